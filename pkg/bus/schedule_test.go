package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// The facts the deadline service builds on, checked on the real server: a
// timer rescheduled many times fires once, at its last time; a cancelled
// one never fires; one in the past fires at once; the pending keys are
// listed; fired timers carry the scheduler header and leave the stream when
// acked.
func TestSchedulerFacts(t *testing.T) {
	ctx := context.Background()
	_, js := testenv.JetStream(t)
	s := bus.NewScheduler(js)
	cons, err := js.CreateOrUpdateConsumer(ctx, bus.TimersStream, jetstream.ConsumerConfig{
		Durable: "test-fired", FilterSubject: bus.TimerFiredSubject, AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Wall-clock readings (Round(0) drops the monotonic one): the
	// scheduler fires by the wall clock, and a VM's wall clock is stepped
	// now and then (measured by the monotonic clock, a timer was seen 3 ms
	// "early").
	now := time.Now().Round(0)
	far := now.Add(time.Hour)
	for i := range 5 {
		if err := s.Schedule(ctx, "item:a.b", far.Add(time.Duration(i)*time.Minute), "", []byte("early")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Schedule(ctx, "item:a.b", now.Add(1500*time.Millisecond), "a-last", []byte("last")); err != nil {
		t.Fatal(err)
	}
	if err := s.Schedule(ctx, "item:cancelled", now.Add(time.Second), "", []byte("cancelled")); err != nil {
		t.Fatal(err)
	}
	if err := s.Schedule(ctx, "item:far", far, "", []byte("far")); err != nil {
		t.Fatal(err)
	}
	pending, err := s.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 3 || !pending["item:a.b"] || !pending["item:cancelled"] || !pending["item:far"] {
		t.Fatalf("pending %v, want item:a.b, item:cancelled, item:far", pending)
	}
	if err := s.Cancel(ctx, "item:cancelled"); err != nil {
		t.Fatal(err)
	}
	if err := s.Schedule(ctx, "item:past", now.Add(-time.Hour), "", []byte("past")); err != nil {
		t.Fatal(err)
	}

	got := map[string]time.Time{}
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			if m.Headers().Get(bus.HeaderScheduler) == "" {
				t.Errorf("fired timer %q without %s", m.Data(), bus.HeaderScheduler)
			}
			if _, dup := got[string(m.Data())]; dup {
				t.Errorf("%q fired twice", m.Data())
			}
			got[string(m.Data())] = time.Now().Round(0)
			if err := m.Ack(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, ok := got["past"]; !ok {
		t.Fatalf("fired %v: the timer in the past did not fire", got)
	}
	last, ok := got["last"]
	if !ok {
		t.Fatalf("fired %v: the rescheduled timer did not fire", got)
	}
	if last.Before(now.Add(1500 * time.Millisecond)) {
		t.Fatalf("the rescheduled timer fired %s early", now.Add(1500*time.Millisecond).Sub(last))
	}
	// Nothing else fires: the cancelled timer's time has passed.
	batch, err := cons.Fetch(10, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		t.Errorf("unexpected timer fired: %q", m.Data())
	}
	pending, err = s.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || !pending["item:far"] {
		t.Fatalf("pending after firing %v, want only item:far", pending)
	}
	st, err := js.Stream(ctx, bus.TimersStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("%d messages in the timers stream, want the one pending schedule (acked fires leave)", info.State.Msgs)
	}
}
