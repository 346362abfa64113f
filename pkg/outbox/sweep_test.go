package outbox_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// Run's sweeps after the first leave an entry alone the first time they
// find it (its writer is publishing it, or its document's next write
// replaces it) and publish it the second time: nothing is pulled from a
// document written between two sweeps, and nothing left behind is lost.
func TestSweepSettled(t *testing.T) {
	ctx := context.Background()
	_, js := testenv.JetStream(t)
	coll := testenv.Mongo(t).Database("outbox_test").Collection("settled")
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer(""), bus.NewMetrics(prometheus.NewRegistry()))
	relay := outbox.NewRelay(pub, testenv.Logger(), coll)
	es := entries(t, 3)
	if _, err := coll.InsertMany(ctx, []any{
		doc{ID: "idle", State: "s", Outbox: es[:1]},
		doc{ID: "busy", State: "s", Outbox: es[1:2]},
	}); err != nil {
		t.Fatal(err)
	}
	outboxOf := func(id string) []outbox.Entry {
		var d doc
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
			t.Fatal(err)
		}
		return d.Outbox
	}
	if n, err := relay.SweepSettled(ctx); err != nil || n != 0 {
		t.Fatalf("first settled sweep published %d (%v), want none", n, err)
	}
	if len(outboxOf("idle")) != 1 || len(outboxOf("busy")) != 1 {
		t.Fatal("the first settled sweep pulled entries")
	}
	// The busy document's next write replaces its (published) outbox.
	if err := pub.Publish(ctx, es[1].Message()); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "busy"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "outbox", Value: es[2:]}}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := relay.SweepSettled(ctx); err != nil || n != 1 {
		t.Fatalf("second settled sweep published %d (%v), want the idle document's entry", n, err)
	}
	if got, busy := outboxOf("idle"), outboxOf("busy"); len(got) != 0 || len(busy) != 1 || busy[0].ID != es[2].ID {
		t.Fatalf("after the second sweep: idle %v, busy %v; want none and the new entry", got, busy)
	}
	if n, err := relay.SweepSettled(ctx); err != nil || n != 1 || len(outboxOf("busy")) != 0 {
		t.Fatalf("third settled sweep published %d (%v), want the busy document's entry", n, err)
	}
	if got := streamCount(t, js); got != 3 {
		t.Fatalf("%d events on the stream, want each of 3 once", got)
	}
}
