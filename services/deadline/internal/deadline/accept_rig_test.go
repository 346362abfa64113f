package deadline_test

import (
	"context"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// Over the real store and scheduler: an item accepted late at 督办 keeps its
// due date and level when read back, and its ladder goes on to 约谈 at the
// instant it had before, once.
func TestLateAcceptanceKeepsTheLadder(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(sh(2026, 11, 23, 9, 0), 0)
	r := newRig(t, clk, deadline.DefaultPolicy)
	r.replica(r.svc, 2)
	d, err := r.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: "p3.plan", Department: "fgw",
		AssignedAt: sh(2026, 11, 23, 9, 0), PromisedDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	steps := d.Steps(r.cal, deadline.DefaultPolicy)
	var supervise, interview deadline.Step
	for _, s := range steps {
		switch s.Level {
		case deadline.LevelSupervise:
			supervise = s
		case deadline.LevelInterview:
			interview = s
		}
	}
	clk.Set(supervise.At.Add(time.Hour))
	r.fireDue()
	if got := emittedEvents(t, r.js); len(got) != 4 || got[3].ev.GetLevel() != deadlinev1.Level_LEVEL_SUPERVISE {
		t.Fatalf("up to 督办: %d events", len(got))
	}

	acceptedAt := supervise.At.Add(2 * time.Hour)
	got, err := r.svc.ChangeItem(ctx, "p3.plan", deadline.Change{Kind: deadline.ChangeAccept, At: acceptedAt, Late: true})
	if err != nil {
		t.Fatal(err)
	}
	read, err := r.svc.Get(ctx, "item:p3.plan")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []deadline.Deadline{got, read} {
		if !x.AcceptedLate || !x.AcceptedAt.Equal(acceptedAt) || x.Level != deadline.LevelSupervise ||
			!x.DueAt.Equal(d.DueAt) || !x.Start.Equal(d.Start) || x.NextLevel != deadline.LevelInterview || !x.NextAt.Equal(interview.At) {
			t.Fatalf("after late acceptance: %+v, want late at supervise, due %s, next interview at %s", x, d.DueDate, interview.At)
		}
	}
	counts, err := r.deadlines.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := counts[deadline.LevelKey{Department: "fgw", Level: deadline.LevelSupervise}]; n != 1 {
		t.Errorf("counted %d at 督办 for fgw, want 1", n)
	}

	clk.Set(interview.At.Add(-time.Second))
	r.fireDue()
	if got := emittedEvents(t, r.js); len(got) != 4 {
		t.Fatalf("a second before 约谈: %d events, want 4", len(got))
	}
	clk.Set(interview.At.Add(time.Second))
	r.fireDue()
	ev := emittedEvents(t, r.js)
	if len(ev) != 5 || ev[4].ev.GetLevel() != deadlinev1.Level_LEVEL_INTERVIEW || !ev[4].ev.GetDueAt().AsTime().Equal(d.DueAt) {
		t.Fatalf("after 约谈's instant: %d events", len(ev))
	}
}
