package deadline_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// shiftedTo is a running clock that reads at now where the wall clock
// reads time.Now(): timers set by it fire on the wall clock, for real.
func shiftedTo(at time.Time) clock.Clock { return clock.Shifted{Offset: time.Until(at)} }

// A timer set again and again fires once, at the last time it was set to,
// on the real scheduler.
func TestRescheduledTimerFiresOnceAtTheLastTime(t *testing.T) {
	ctx := context.Background()
	clk := shiftedTo(sh(2026, 11, 23, 9, 0))
	r := newRig(t, clk, deadline.DefaultPolicy)
	r.replica(r.svc, 2)
	d, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p1.re", Department: "sthj",
		AssignedAt: clk.Now(), PromisedDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	tm := deadline.Timer{DeadlineID: d.ID, Version: d.Version, Round: 1, Level: d.NextLevel}
	for i := range 10 {
		tm.At = clk.Now().Add(time.Duration(10-i) * time.Hour)
		if err := r.timers.Schedule(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	last := clk.Now().Add(1500 * time.Millisecond)
	tm.At = last
	if err := r.timers.Schedule(ctx, tm); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "the timer to fire", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.fired) == 1
	})
	r.mu.Lock()
	f := r.fired[0]
	r.mu.Unlock()
	if f.Level != deadline.LevelYellow || f.At.Before(last) {
		t.Fatalf("fired %s at %s, want yellow at or after %s", f.Level, f.At, last)
	}
	// The next step is pending now, far ahead; the replaced times are gone.
	testenv.WaitFor(t, 30*time.Second, "the fired timer to be worked off", r.firedIdle)
	cur, err := r.svc.Get(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Level != deadline.LevelYellow || cur.NextLevel != deadline.LevelRed {
		t.Fatalf("after the fire: level %s next %s", cur.Level, cur.NextLevel)
	}
	pending, err := r.timers.Pending(ctx)
	if err != nil || len(pending) != 1 || !pending[d.ID] {
		t.Fatalf("pending %v (%v), want the next step of %s", pending, err, d.ID)
	}
	if n := clockEvents(t, r.js); n != 1 {
		t.Fatalf("%d clock events, want 1", n)
	}
}

// A clock that stops (approval) never fires: its timer is cancelled, and a
// timer of the old state that comes back anyway is dropped as stale.
func TestStoppedClockNeverFires(t *testing.T) {
	ctx := context.Background()
	start := sh(2026, 11, 23, 9, 0)
	d := deadline.ForItem(calendarOf(t), deadline.ItemAssignment{ItemID: "p1.stop", Department: "zrzy",
		AssignedAt: start, PromisedDays: 5})
	yellow := d.Steps(calendarOf(t), deadline.DefaultPolicy)[0].At
	clk := shiftedTo(yellow.Add(-1500 * time.Millisecond))
	r := newRig(t, clk, deadline.DefaultPolicy)
	r.replica(r.svc, 2)
	d, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p1.stop", Department: "zrzy",
		AssignedAt: start, PromisedDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	stale := deadline.Timer{DeadlineID: d.ID, Version: d.Version, Round: 1, Level: d.NextLevel, At: d.NextAt}
	if _, err := r.svc.ChangeItem(ctx, "p1.stop", deadline.Change{Kind: deadline.ChangeStop, At: clk.Now(), Outcome: "approved"}); err != nil {
		t.Fatal(err)
	}
	pending, err := r.timers.Pending(ctx)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending after the stop: %v (%v)", pending, err)
	}
	// The old timer resurrected (as after a crash of the server before the
	// cancel was persisted): it fires, and is dropped.
	if err := r.timers.Schedule(ctx, stale); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "the yellow instant to pass", func() bool { return clk.Now().After(yellow.Add(time.Second)) })
	testenv.WaitFor(t, 30*time.Second, "the stale timer to be worked off", func() bool {
		p, err := r.timers.Pending(ctx)
		return err == nil && len(p) == 0 && r.firedIdle()
	})
	if n := clockEvents(t, r.js); n != 0 {
		t.Fatalf("a stopped clock emitted %d events", n)
	}
}

// A schedule lost from the stream (an operator's purge, a publish whose ack
// never came) is re-created by the sweep from the deadline, and fires.
func TestSweepRecreatesAMissingSchedule(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	r.replica(r.svc, 2)
	for i := range 3 {
		if _, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: fmt.Sprintf("p1.sweep%d", i),
			Department: "slj", AssignedAt: clk.Now(), PromisedDays: 5}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := r.js.Stream(ctx, bus.TimersStream)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSubject(bus.ScheduleSubject("item:p1.sweep1"))); err != nil {
		t.Fatal(err)
	}
	if p, _ := r.timers.Pending(ctx); len(p) != 2 || p["item:p1.sweep1"] {
		t.Fatalf("pending after the purge: %v", p)
	}
	n, err := r.svc.Reconcile(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep re-created %d (%v), want 1", n, err)
	}
	if p, _ := r.timers.Pending(ctx); len(p) != 3 {
		t.Fatalf("pending after the sweep: %v", p)
	}
	clk.Set(sh(2026, 11, 30, 1, 0)) // past every yellow
	r.fireDue()
	if n := clockEvents(t, r.js); n != 3 {
		t.Fatalf("%d yellow events, want 3", n)
	}
}

// Two replicas on one database and one stream share deadlines whose whole
// ladder is overdue, while the sweep keeps setting every due timer again
// (duplicates of fires in flight): each step is recorded by exactly one
// fire, both replicas take part, and the stream holds each step once.
func TestTwoReplicasFireEachStepOnce(t *testing.T) {
	ctx := context.Background()
	const n = 300
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	a, b := &countingService{Service: r.service(r.pub)}, &countingService{Service: r.service(r.pub)}
	r.replica(a, 4)
	r.replica(b, 4)
	for i := range n {
		if _, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: fmt.Sprintf("load.%04d", i),
			Department: []string{"fgw", "zrzy", "sthj", "zjj"}[i%4], AssignedAt: clk.Now(), PromisedDays: 5}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(sh(2027, 3, 1, 9, 0))
	r.fireDue()
	if got := a.fired.Load() + b.fired.Load(); got != 6*n {
		t.Errorf("%d steps recorded, want %d", got, 6*n)
	}
	seen := map[string]bool{}
	for _, e := range emittedEvents(t, r.js) {
		if seen[e.id] {
			t.Errorf("stream holds event %s twice", e.id)
		}
		seen[e.id] = true
	}
	if a.fired.Load() == 0 || b.fired.Load() == 0 {
		t.Errorf("replicas fired %d and %d: the work was not shared", a.fired.Load(), b.fired.Load())
	}
	if got := len(seen); got != 6*n {
		t.Errorf("stream holds %d clock events, want %d", got, 6*n)
	}
}

// countingService counts the steps one replica emitted.
type countingService struct {
	deadline.Service
	fired atomic.Int64
}

func (c *countingService) Fire(ctx context.Context, t deadline.Timer, done func(*deadline.Fired, error)) {
	c.Service.Fire(ctx, t, func(f *deadline.Fired, err error) {
		if f != nil {
			c.fired.Add(1)
		}
		done(f, err)
	})
}

func calendarOf(t *testing.T) workday.Calendar {
	t.Helper()
	f, err := workday.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	return workday.NewOfficial(f)
}
