package bus_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// A handler that settles later frees its worker at once: with one worker,
// three messages are all in hand before any is settled; each is settled by
// what its later call says (the first retried, then acked), and nothing is
// acked before its call.
func TestLaterSettlesAfterTheHandlerReturns(t *testing.T) {
	h := newHarness(t)
	var (
		mu      sync.Mutex
		settles []func(error)
		seen    []uint64
	)
	h.run(t, bus.ConsumerSpec{
		Durable: "later-test", Subjects: []string{"tuijin.ledger.item.assigned.zrzy"}, Workers: 1,
		Retry: bus.RetryPolicy{MaxDeliver: 5, Backoff: []time.Duration{20 * time.Millisecond}},
	}, func(ctx context.Context, d bus.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		settles = append(settles, d.Later())
		seen = append(seen, d.NumDelivered)
		return nil
	})
	for range 3 {
		m := assigned(t, "zrzy")
		if err := h.pub.Publish(context.Background(), *m); err != nil {
			t.Fatal(err)
		}
	}
	inHand := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(settles)
	}
	eventually(t, "three messages in hand on one worker", func() bool { return inHand() == 3 })
	acked := func() float64 {
		return counter(t, h.reg, "tuijin_bus_messages_handled_total", map[string]string{"consumer": "later-test", "outcome": "ack"})
	}
	if n := acked(); n != 0 {
		t.Fatalf("%v acked before any later call", n)
	}
	mu.Lock()
	first := settles[0]
	rest := settles[1:3]
	mu.Unlock()
	first(errors.New("record not written"))
	first(nil) // a second call does nothing
	for _, settle := range rest {
		settle(nil)
	}
	eventually(t, "the retried message back in hand", func() bool { return inHand() == 4 })
	mu.Lock()
	if seen[3] != 2 {
		t.Errorf("the retried message came back as delivery %d", seen[3])
	}
	settles[3](nil)
	mu.Unlock()
	eventually(t, "all three acked", func() bool { return acked() == 3 })
	if n := counter(t, h.reg, "tuijin_bus_messages_handled_total", map[string]string{"consumer": "later-test", "outcome": "retry"}); n != 1 {
		t.Errorf("retries %v, want 1", n)
	}
}

// A runner that stops waits for the messages settled later, as for
// handlers still running.
func TestRunnerStopWaitsForLaterSettles(t *testing.T) {
	h := newHarness(t)
	handed := make(chan func(error), 1)
	r, err := bus.NewRunner(context.Background(), h.js, bus.ConsumerSpec{Durable: "later-stop",
		Subjects: []string{"tuijin.ledger.item.assigned.zrzy"}}, func(ctx context.Context, d bus.Delivery) error {
		handed <- d.Later()
		return nil
	}, h.pub, nil, h.metrics, h.tracer, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- r.Run(ctx) }()
	if err := h.pub.Publish(context.Background(), *assigned(t, "zrzy")); err != nil {
		t.Fatal(err)
	}
	settle := <-handed
	cancel()
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) with a message still in hand", err)
	case <-time.After(200 * time.Millisecond):
	}
	settle(nil)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if n := counter(t, h.reg, "tuijin_bus_messages_handled_total", map[string]string{"consumer": "later-stop", "outcome": "ack"}); n != 1 {
		t.Errorf("acked %v, want 1", n)
	}
}

// A handler that meets another's work in progress (bus.Contended) is
// retried as after any error, but the runner logs it at debug level, not
// as a failure at warn; a plain error is still a warning.
func TestContendedIsRetriedWithoutAWarning(t *testing.T) {
	h := newHarness(t)
	var logs testenv.LogBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var deliveries atomic.Int32
	r, err := bus.NewRunner(context.Background(), h.js, bus.ConsumerSpec{
		Durable: "contended-test", Subjects: []string{"tuijin.ledger.item.assigned.zrzy"},
		Retry: bus.RetryPolicy{MaxDeliver: 5, Backoff: []time.Duration{20 * time.Millisecond}},
	}, func(ctx context.Context, d bus.Delivery) error {
		switch deliveries.Add(1) {
		case 1:
			return bus.Contended(errors.New("claimed by another writer"))
		case 2:
			return errors.New("database down")
		}
		return nil
	}, h.pub, h.reg, h.metrics, h.tracer, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if err := h.pub.Publish(context.Background(), *assigned(t, "zrzy")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the third delivery acked", func() bool {
		return counter(t, h.reg, "tuijin_bus_messages_handled_total", map[string]string{"consumer": "contended-test", "outcome": "ack"}) == 1
	})
	if n := counter(t, h.reg, "tuijin_bus_messages_handled_total", map[string]string{"consumer": "contended-test", "outcome": "retry"}); n != 2 {
		t.Errorf("%v retries, want 2", n)
	}
	var warns, debugs []string
	for _, line := range strings.Split(logs.String(), "\n") {
		switch {
		case strings.Contains(line, "level=WARN") && strings.Contains(line, "retrying"):
			warns = append(warns, line)
		case strings.Contains(line, "level=DEBUG") && strings.Contains(line, "retrying"):
			debugs = append(debugs, line)
		}
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "database down") {
		t.Errorf("warnings about retries: %q, want the one of the failure", warns)
	}
	if len(debugs) != 1 || !strings.Contains(debugs[0], "claimed by another writer") {
		t.Errorf("debug lines about retries: %q, want the one of the contention", debugs)
	}
}
