package deadline_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

func sh(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, workday.Zone)
}

// One item climbs the whole ladder as the injected clock passes each step;
// every step is emitted once, on its subject, at its instant.
func TestLadderFiresEachStepOnceAsTimePasses(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	r.replica(r.svc, 2)
	d, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p1.eia", ItemName: "环评", ProjectCode: "P1",
		Department: "sthj", AssignedAt: sh(2026, 11, 23, 9, 0), PromisedDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Re-delivery of the assignment changes nothing and schedules nothing new.
	if _, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p1.eia", Department: "sthj",
		AssignedAt: sh(2026, 11, 23, 9, 0), PromisedDays: 5}); err != nil {
		t.Fatal(err)
	}
	steps := d.Steps(r.cal, deadline.DefaultPolicy)
	if len(steps) != 6 {
		t.Fatalf("steps %v", steps)
	}
	r.fireDue()
	if got := emittedEvents(t, r.js); len(got) != 0 {
		t.Fatalf("emitted before any step was due: %v", got)
	}
	wantSubject := map[deadline.Level]string{
		deadline.LevelYellow: "tuijin.deadline.warning.sthj", deadline.LevelRed: "tuijin.deadline.overdue.sthj",
	}
	for i, s := range steps {
		clk.Set(s.At.Add(-time.Second))
		r.fireDue()
		if got := emittedEvents(t, r.js); len(got) != i {
			t.Fatalf("a second before %s: %d events, want %d", s.Level, len(got), i)
		}
		clk.Set(s.At.Add(3 * time.Second))
		r.fireDue()
		got := emittedEvents(t, r.js)
		if len(got) != i+1 {
			t.Fatalf("after %s: %d events, want %d", s.Level, len(got), i+1)
		}
		last := got[i]
		subj := wantSubject[s.Level]
		if subj == "" {
			subj = "tuijin.deadline.escalated.sthj"
		}
		if last.subject != subj || last.id != deadline.StepEventID(d.ID, 1, s.Level) ||
			!last.ev.GetStepDueAt().AsTime().Equal(s.At) || last.ev.GetRefId() != "p1.eia" {
			t.Errorf("step %s: subject %s id %s step due %s", s.Level, last.subject, last.id, last.ev.GetStepDueAt().AsTime())
		}
		cur, err := r.svc.Get(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Level != s.Level {
			t.Errorf("after %s the deadline reads level %s", s.Level, cur.Level)
		}
	}
	levels := []deadlinev1.Level{deadlinev1.Level_LEVEL_YELLOW, deadlinev1.Level_LEVEL_RED, deadlinev1.Level_LEVEL_URGE,
		deadlinev1.Level_LEVEL_SUPERVISE, deadlinev1.Level_LEVEL_INTERVIEW, deadlinev1.Level_LEVEL_ESCALATE}
	for i, e := range emittedEvents(t, r.js) {
		if e.ev.GetLevel() != levels[i] {
			t.Errorf("event %d level %s, want %s", i, e.ev.GetLevel(), levels[i])
		}
	}
	// Nothing is left to fire, however long we wait.
	clk.Set(sh(2027, 6, 1, 0, 0))
	r.fireDue()
	if got := emittedEvents(t, r.js); len(got) != 6 {
		t.Errorf("%d events after the top of the ladder", len(got))
	}
	for _, f := range r.fired {
		if lag := f.At.Sub(f.StepAt); lag < 0 || lag > 3*time.Second {
			t.Errorf("lag %s outside the injected clock's step", lag)
		}
	}
}

// While the applicant owes a supplement nothing fires; the resume extends
// the due date by the paused working days and the ladder goes on from there.
func TestPauseHoldsTheLadderAndResumeExtendsIt(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	r.replica(r.svc, 2)
	if _, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p2.plan", Department: "zrzy",
		AssignedAt: sh(2026, 11, 23, 9, 0), PromisedDays: 5}); err != nil {
		t.Fatal(err)
	}
	// Accepted Tuesday: due end of Tue 1 Dec.
	d, err := r.svc.ChangeItem(ctx, "p2.plan", deadline.Change{Kind: deadline.ChangeAccept, At: sh(2026, 11, 24, 9, 0)})
	if err != nil || d.DueDate != "2026-12-01" {
		t.Fatalf("accept: %v due %s", err, d.DueDate)
	}
	// Supplement owed from Wed 25 Nov to Wed 2 Dec: 25, 26, 27, 30 Nov and
	// 1 Dec are the applicant's (5 working days).
	clk.Set(sh(2026, 11, 25, 10, 0))
	if _, err := r.svc.ChangeItem(ctx, "p2.plan", deadline.Change{Kind: deadline.ChangePause, At: sh(2026, 11, 25, 10, 0)}); err != nil {
		t.Fatal(err)
	}
	clk.Set(sh(2026, 12, 2, 8, 0)) // the old yellow, red and urge instants have all passed
	r.fireDue()
	if got := emittedEvents(t, r.js); len(got) != 0 {
		t.Fatalf("fired while paused: %d events", len(got))
	}
	d, err = r.svc.ChangeItem(ctx, "p2.plan", deadline.Change{Kind: deadline.ChangeResume, At: sh(2026, 12, 2, 9, 0)})
	if err != nil || d.PausedDays != 5 || d.DueDate != "2026-12-08" {
		t.Fatalf("resume: %v paused %d due %s", err, d.PausedDays, d.DueDate)
	}
	r.fireDue()
	if got := emittedEvents(t, r.js); len(got) != 0 {
		t.Fatalf("fired right after resume: %d events", len(got))
	}
	clk.Set(sh(2026, 12, 7, 0, 0).Add(time.Second)) // yellow: Mon 7 and Tue 8 remain
	r.fireDue()
	got := emittedEvents(t, r.js)
	if len(got) != 1 || got[0].ev.GetLevel() != deadlinev1.Level_LEVEL_YELLOW || got[0].ev.GetDueDate() != "2026-12-08" {
		t.Fatalf("after the extended yellow instant: %+v", got)
	}
	// Approved before the due date: the clock stops and nothing more fires.
	if _, err := r.svc.ChangeItem(ctx, "p2.plan", deadline.Change{Kind: deadline.ChangeStop, At: sh(2026, 12, 7, 15, 0), Outcome: "approved"}); err != nil {
		t.Fatal(err)
	}
	clk.Set(sh(2027, 1, 31, 0, 0))
	r.fireDue()
	if got := emittedEvents(t, r.js); len(got) != 1 {
		t.Fatalf("fired after approval: %d events", len(got))
	}
	counts, err := r.deadlines.Counts(ctx)
	if err != nil || len(counts) != 0 {
		t.Errorf("an approved item still counts: %v (%v)", counts, err)
	}
}

// A 即办件 is due the same working day: red fires at that day's end.
func TestImmediateItemIsRedAtTheEndOfTheDay(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 25, 10, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	r.replica(r.svc, 2)
	d, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p3.now", Department: "xzsp",
		AssignedAt: sh(2026, 11, 25, 10, 0), Immediate: true, PromisedDays: 3})
	if err != nil || d.DueDate != "2026-11-25" {
		t.Fatalf("start: %v due %s", err, d.DueDate)
	}
	clk.Set(sh(2026, 11, 25, 23, 59))
	r.fireDue()
	if got := emittedEvents(t, r.js); len(got) != 0 {
		t.Fatalf("fired within the day: %d", len(got))
	}
	clk.Set(sh(2026, 11, 26, 0, 0).Add(time.Second))
	r.fireDue()
	got := emittedEvents(t, r.js)
	if len(got) != 1 || got[0].subject != "tuijin.deadline.overdue.xzsp" {
		t.Fatalf("at the end of the day: %+v", got)
	}
}

// A timer due while everything was down fires once on start — the step that
// was due, then the next ones one after another as each is found due.
func TestMissedStepsFireOnceAfterDowntime(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	if _, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p4.x", Department: "fgw",
		AssignedAt: sh(2026, 11, 23, 9, 0), PromisedDays: 2}); err != nil {
		t.Fatal(err)
	}
	// Down for two months: the whole ladder is past.
	clk.Set(sh(2027, 1, 25, 9, 0))
	r.replica(r.svc, 2)
	r.fireDue()
	got := emittedEvents(t, r.js)
	if len(got) != 6 {
		t.Fatalf("%d events after downtime, want 6 (yellow to escalate)", len(got))
	}
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.id] {
			t.Errorf("event %s emitted twice", e.id)
		}
		seen[e.id] = true
	}
}

// gets counts the deadline reads a service makes.
type gets struct {
	deadline.Store
	n atomic.Int32
}

func (g *gets) Get(ctx context.Context, id string) (deadline.Deadline, error) {
	g.n.Add(1)
	return g.Store.Get(ctx, id)
}

// A fire whose timer's register revision still holds emits without reading
// the deadline; a second fire of the same timer finds the register moved
// and, reading the deadline, drops itself; a fire whose first delivery
// swapped the register and crashed before its event is refused while that
// claim holds, and once it has expired emits, from the database, once.
func TestFireChecksTheRegisterNotTheDatabase(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	versions := r.leased(2 * time.Second)
	store := &gets{Store: deadline.Registered(r.deadlines, versions)}
	svc := deadline.NewService(deadline.Config{Store: store, Timers: r.timers, Publisher: r.pub, Calendar: r.cal,
		Clock: clk, Policy: r.policy, Versions: versions, Steps: r.steps})
	timerOf := func(id string) deadline.Timer {
		t.Helper()
		d, err := svc.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		tm := deadline.TimerOf(d)
		if tm.Rev, err = r.versions.Revision(ctx, d.ID, d.Version); err != nil || tm.Rev == 0 {
			t.Fatalf("revision of %s at %d: %d, %v", d.ID, d.Version, tm.Rev, err)
		}
		return tm
	}
	fire := func(tm deadline.Timer) *deadline.Fired {
		t.Helper()
		f, err := fireNow(ctx, svc, tm)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, id := range []string{"p9.fast", "p9.crashed"} {
		if _, err := svc.StartItem(ctx, deadline.ItemAssignment{ItemID: id, Department: "zrzy",
			AssignedAt: sh(2026, 11, 23, 9, 0), PromisedDays: 5}); err != nil {
			t.Fatal(err)
		}
	}
	fast := timerOf("item:p9.fast")
	store.n.Store(0)
	if f := fire(fast); f == nil || f.Level != fast.Level {
		t.Fatalf("fire of a current timer: %+v", f)
	}
	if n := store.n.Load(); n != 0 {
		t.Errorf("a current timer's fire read the deadline %d times", n)
	}
	if f := fire(fast); f != nil {
		t.Errorf("the same timer fired twice: %+v", f)
	}
	if n := store.n.Load(); n != 1 {
		t.Errorf("the duplicate fire read the deadline %d times, want once", n)
	}

	crashed := timerOf("item:p9.crashed")
	if _, ok, err := r.versions.Swap(ctx, crashed.DeadlineID, crashed.Rev, crashed.Version+1); err != nil || !ok {
		t.Fatalf("swap as the crashed fire did: %v %v", ok, err)
	}
	swapped := time.Now()
	if f, err := fireNow(ctx, svc, crashed); err == nil || f != nil {
		t.Fatalf("a fire while its earlier delivery's claim holds: %+v, %v; want refused", f, err)
	}
	time.Sleep(time.Until(swapped.Add(versions.Lease)))
	if f := fire(crashed); f == nil || f.Level != crashed.Level {
		t.Fatalf("redelivered fire after a crash: %+v", f)
	}
	ids := eventIDs(t, r)
	want := []string{deadline.StepEventID("item:p9.fast", 1, fast.Level), deadline.StepEventID("item:p9.crashed", 1, crashed.Level)}
	if !slices.Equal(ids, want) {
		t.Errorf("events %v, want %v", ids, want)
	}
	for _, id := range []string{"item:p9.fast", "item:p9.crashed"} {
		if d, err := svc.Get(ctx, id); err != nil || d.Level != fast.Level || d.Version != 2 {
			t.Errorf("%s after its fire: level %s version %d (%v)", id, d.Level, d.Version, err)
		}
	}
}

// heldSteps records steps only once released, as a batch waiting behind a
// burst does.
type heldSteps struct {
	deadline.StepRecorder
	release chan struct{}
}

func (h heldSteps) RecordStep(r deadline.StepRecord, done func(error)) {
	go func() {
		<-h.release
		h.StepRecorder.RecordStep(r, done)
	}()
}

// A lifecycle change that comes between a step's event and its record
// waits for the record and applies over the step: an item approved right
// after its yellow warning went out stops at yellow, not at green with the
// warning's record lost.
func TestChangeBetweenAStepsEventAndItsRecordKeepsTheStep(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	steps := heldSteps{StepRecorder: r.steps, release: make(chan struct{})}
	svc := deadline.NewService(deadline.Config{Store: deadline.Registered(r.deadlines, r.versions), Timers: r.timers,
		Publisher: r.pub, Calendar: r.cal, Clock: clk, Policy: r.policy, Versions: r.versions, Steps: steps})
	d, err := svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p9.between", Department: "zrzy",
		AssignedAt: sh(2026, 11, 23, 9, 0), PromisedDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	tm := deadline.TimerOf(d)
	if tm.Rev, err = r.versions.Revision(ctx, d.ID, d.Version); err != nil || tm.Rev == 0 {
		t.Fatalf("revision of %s: %d, %v", d.ID, tm.Rev, err)
	}
	fired := make(chan *deadline.Fired, 1)
	svc.Fire(ctx, tm, func(f *deadline.Fired, err error) {
		if err != nil {
			t.Error(err)
		}
		fired <- f
	})
	if ids := eventIDs(t, r); !slices.Equal(ids, []string{deadline.StepEventID(d.ID, 1, tm.Level)}) {
		t.Fatalf("events before the record: %v", ids)
	}
	changed := make(chan deadline.Deadline, 1)
	go func() {
		d, err := svc.ChangeItem(ctx, "p9.between", deadline.Change{Kind: deadline.ChangeStop, At: sh(2026, 11, 24, 10, 0), Outcome: "approved"})
		if err != nil {
			t.Error(err)
		}
		changed <- d
	}()
	// The change cannot finish before the record it waits for: if it
	// did, it was written over the deadline as it was before the step.
	select {
	case d := <-changed:
		t.Fatalf("the change finished while the step's record was held: %+v", d)
	case <-time.After(300 * time.Millisecond):
	}
	close(steps.release)
	if f := <-fired; f == nil || f.Level != tm.Level {
		t.Fatalf("the fire: %+v", f)
	}
	got := <-changed
	if got.State != deadline.StateStopped || got.Level != tm.Level || got.Version != 3 {
		t.Errorf("after the change: state %s level %s version %d; want stopped at %s, version 3", got.State, got.Level, got.Version, tm.Level)
	}
	if stored, err := svc.Get(ctx, d.ID); err != nil || stored.State != deadline.StateStopped || stored.Level != tm.Level {
		t.Errorf("stored: state %s level %s (%v)", stored.State, stored.Level, err)
	}
}

func eventIDs(t *testing.T, r *rig) []string {
	t.Helper()
	var ids []string
	for _, e := range emittedEvents(t, r.js) {
		ids = append(ids, e.id)
	}
	return ids
}

// A lifecycle change that meets the claim of a fire that crashed before
// its record waits out the claim's lease, then applies: the clock is not
// stuck behind a writer that is gone.
func TestChangeWaitsOutTheClaimOfACrashedFire(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	versions := r.leased(2 * time.Second)
	svc := deadline.NewService(deadline.Config{Store: deadline.Registered(r.deadlines, versions), Timers: r.timers,
		Publisher: r.pub, Calendar: r.cal, Clock: clk, Policy: r.policy, Versions: versions, Steps: r.steps})
	d, err := svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p9.orphan", Department: "zrzy",
		AssignedAt: sh(2026, 11, 23, 9, 0), PromisedDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	tm := deadline.TimerOf(d)
	if tm.Rev, err = versions.Revision(ctx, d.ID, d.Version); err != nil || tm.Rev == 0 {
		t.Fatalf("revision of %s: %d, %v", d.ID, tm.Rev, err)
	}
	claimed := time.Now() // the claim is written after this
	if _, ok, err := versions.Swap(ctx, d.ID, tm.Rev, tm.Version+1); err != nil || !ok {
		t.Fatalf("swap as the crashed fire did: %v %v", ok, err)
	}
	got, err := svc.ChangeItem(ctx, "p9.orphan", deadline.Change{Kind: deadline.ChangeStop, At: sh(2026, 11, 24, 10, 0), Outcome: "approved"})
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(claimed); waited < versions.Lease {
		t.Errorf("the change went over a live claim after %s (lease %s)", waited, versions.Lease)
	}
	if got.State != deadline.StateStopped || got.Level != d.Level || got.Version != 2 {
		t.Errorf("after the change: state %s level %s version %d; want stopped at %s, version 2", got.State, got.Level, got.Version, d.Level)
	}
}

// leased is a register on the rig's server whose claims hold for lease.
func (r *rig) leased(lease time.Duration) *bus.Versions {
	r.t.Helper()
	v, err := bus.NewVersions(context.Background(), r.js, 1, testenv.Logger())
	if err != nil {
		r.t.Fatal(err)
	}
	v.Lease = lease
	return v
}
