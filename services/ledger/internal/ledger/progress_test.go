package ledger

import (
	"slices"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

func TestWeeklySnapshot(t *testing.T) {
	cal := workday.Weekends{}
	p := demoProject(t) // opened Monday 2026-11-23
	do := func(key string, a Action, when time.Time) {
		t.Helper()
		if _, err := p.Apply(ItemID(code, key), ActionRequest{Action: a, Actor: "x", Note: "n", Version: p.Version}, cal, when); err != nil {
			t.Fatal(err)
		}
	}
	wed := monday.AddDate(0, 0, 2)
	do("lixiang", ActAccept, wed)
	do("lixiang", ActApprove, wed)
	do("huanping", ActReject, wed)
	if _, err := p.RaiseProblem(NewProblem{Title: "t", Department: "zrzy", Actor: "a", Version: p.Version},
		func(string) bool { return true }, wed); err != nil {
		t.Fatal(err)
	}
	snap := Weekly([]Project{p}, wed, monday.AddDate(0, 0, 30))
	if !snap.From.Equal(workday.Day(monday)) || !snap.To.Equal(workday.Day(monday).AddDate(0, 0, 7)) {
		t.Fatalf("week %s – %s", snap.From, snap.To)
	}
	w := snap.Projects[0]
	if len(w.Assigned) != 6 || !slices.Equal(w.Approved, []string{"项目立项（审批/核准/备案）"}) ||
		!slices.Equal(w.Rejected, []string{"环境影响评价审批（环评）"}) || w.ProblemsRaised != 1 || w.OpenProblems != 1 {
		t.Fatalf("week of the opening %+v", w)
	}
	// Two weeks later (Wednesday) 用地预审 (10 working days from Monday) is
	// overdue, 节能 (10 from the Wednesday before) not yet.
	later := Weekly([]Project{p}, monday.AddDate(0, 0, 14), monday.AddDate(0, 0, 16))
	w = later.Projects[0]
	if len(w.Assigned) != 0 || !slices.Contains(w.Overdue, "用地预审与选址意见书") || slices.Contains(w.Overdue, "节能审查（能评）") {
		t.Fatalf("two weeks later %+v", w)
	}
}
