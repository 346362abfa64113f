package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
)

// BenchmarkPublish measures a synchronous publish with dedupe id and trace
// headers, waiting for the stream's ack (what the outbox relay does).
func BenchmarkPublish(b *testing.B) {
	h := newHarness(b)
	m := assigned(b, "zrzy")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.ID = fmt.Sprintf("bench-%d", i)
		if err := h.pub.Publish(ctx, *m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRunner measures the consumer runner end to end: pull, decode the
// envelope, run a no-op handler, ack. The stream is filled before the clock
// starts.
func BenchmarkRunner(b *testing.B) {
	h := newHarness(b)
	m := assigned(b, "zrzy")
	var acks []jetstream.PubAckFuture
	for i := 0; i < b.N; i++ {
		f, err := h.js.PublishAsync(m.Subject, m.Data)
		if err != nil {
			b.Fatal(err)
		}
		acks = append(acks, f)
	}
	select {
	case <-h.js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("publish did not complete")
	}
	// A future delivers on exactly one of Ok and Err.
	for _, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.Fatal(err)
		}
	}
	done := make(chan struct{})
	seen := 0
	b.ReportAllocs()
	b.ResetTimer()
	h.run(b, bus.ConsumerSpec{Durable: "bench", Subjects: []string{m.Subject}, Batch: 256},
		func(_ context.Context, d bus.Delivery) error {
			if d.Envelope.GetType() != event.TypeItemAssigned {
				b.Error("wrong event")
			}
			seen++
			if seen == b.N {
				close(done)
			}
			return nil
		})
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("consumed %d of %d", seen, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
