package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"
)

type doc struct {
	ID     string         `bson:"_id"`
	State  string         `bson:"state"`
	Outbox []outbox.Entry `bson:"outbox"`
}

func entries(t *testing.T, n int) []outbox.Entry {
	t.Helper()
	out := make([]outbox.Entry, n)
	for i := range out {
		m, err := event.Build(context.Background(), event.TypeProjectRegistered, event.TypeProjectRegistered,
			"outbox-test", event.Ref("project", "p"), time.Now(), wrapperspb.Int64(int64(i)))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = outbox.FromMessage(m)
	}
	return out
}

func streamCount(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), "TUIJIN_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// failing publishes the first n messages, then fails, as a crash between
// two publishes would leave things.
type failing struct {
	pub  outbox.Publisher
	left int
}

func (f *failing) Publish(ctx context.Context, m event.Message) error {
	if f.left == 0 {
		return errors.New("connection lost")
	}
	f.left--
	return f.pub.Publish(ctx, m)
}

func TestRelay(t *testing.T) {
	ctx := context.Background()
	_, js := testenv.JetStream(t)
	coll := testenv.Mongo(t).Database("outbox_test").Collection("docs")
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer(""), bus.NewMetrics(prometheus.NewRegistry()))

	d := doc{ID: "a", State: "new", Outbox: entries(t, 3)}
	if _, err := coll.InsertOne(ctx, d); err != nil {
		t.Fatal(err)
	}

	// A crash after the first publish: one event on the stream, all three
	// still in the document.
	crashing := outbox.NewRelay(&failing{pub: pub, left: 1}, testenv.Logger(), coll)
	if err := crashing.Flush(ctx, coll, d.ID, d.Outbox); err == nil {
		t.Fatal("flush with a failing publisher reported success")
	}
	if got := streamCount(t, js); got != 1 {
		t.Fatalf("%d events on the stream after the crash, want 1", got)
	}
	pending := func() int {
		var got doc
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.State != "new" {
			t.Fatalf("the relay changed the state to %q", got.State)
		}
		return len(got.Outbox)
	}
	if n := pending(); n != 2 {
		t.Fatalf("%d entries left after publishing one, want 2", n)
	}

	// The sweep after a restart publishes the rest, once.
	relay := outbox.NewRelay(pub, testenv.Logger(), coll)
	n, err := relay.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || pending() != 0 {
		t.Fatalf("sweep published %d and left %d, want 2 and 0", n, pending())
	}
	if got := streamCount(t, js); got != 3 {
		t.Fatalf("%d events on the stream, want 3", got)
	}

	// Publishing an entry again (a crash after publish, before the pull)
	// is dropped by the stream's duplicate window.
	if err := relay.Flush(ctx, coll, d.ID, d.Outbox[:1]); err != nil {
		t.Fatal(err)
	}
	if got := streamCount(t, js); got != 3 {
		t.Fatalf("%d events on the stream after a repeated publish, want 3", got)
	}
	if n, err := relay.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second sweep published %d (%v), want 0", n, err)
	}
}
