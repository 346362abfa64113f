package deadline

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, workday.Zone) }

func official(t *testing.T) workday.Calendar {
	t.Helper()
	f, err := workday.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	return workday.NewOfficial(f)
}

func item(start time.Time, days int, immediate bool) ItemAssignment {
	return ItemAssignment{ItemID: "p.x", ItemName: "环评", ProjectCode: "2026-370481-04-01-123456",
		Department: "sthj", AssignedAt: start, PromisedDays: days, Immediate: immediate}
}

func TestForItemDueDates(t *testing.T) {
	cal := official(t)
	tests := []struct {
		name      string
		start     time.Time
		days      int
		immediate bool
		wantDate  string
	}{
		{"5 days from a Monday", at(2026, 11, 23, 9), 5, false, "2026-11-30"},
		{"assigned on Saturday: Monday is day 1", at(2026, 11, 21, 9), 1, false, "2026-11-23"},
		{"assigned the day before 中秋 and 国庆 2026 (立项)", at(2026, 9, 24, 10), 5, false, "2026-10-09"},
		{"assigned on 国庆: 10-08 is day 1, 10-10 worked", at(2026, 10, 2, 10), 5, false, "2026-10-13"},
		{"即办件 is due the same working day", at(2026, 11, 25, 16), 10, true, "2026-11-25"},
		{"即办件 on Sunday is due Monday", at(2026, 11, 22, 9), 0, true, "2026-11-23"},
		{"over National Day 2026", at(2026, 9, 30, 9), 2, false, "2026-10-09"},
		{"over Spring Festival 2026 onto the make-up Saturday", at(2026, 2, 13, 9), 5, false, "2026-02-27"},
		{"即办件 on a holiday is due the first working day after", at(2026, 10, 3, 9), 0, true, "2026-10-08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ForItem(cal, item(tt.start, tt.days, tt.immediate))
			if d.DueDate != tt.wantDate {
				t.Errorf("due date %s, want %s", d.DueDate, tt.wantDate)
			}
			day, _ := time.ParseInLocation(time.DateOnly, tt.wantDate, workday.Zone)
			if want := day.AddDate(0, 0, 1); !d.DueAt.Equal(want) {
				t.Errorf("due instant %s, want the end of %s", d.DueAt, tt.wantDate)
			}
			if d.State != StateRunning || d.Gen != 1 || d.ID != "item:p.x" {
				t.Errorf("new deadline %+v", d)
			}
		})
	}
}

func TestApplyLifecycle(t *testing.T) {
	cal := official(t)
	d := ForItem(cal, item(at(2026, 11, 23, 9), 5, false)) // due end of Mon 2026-11-30

	// Accepted on Wednesday: the clock re-bases to 受理.
	d, changed := d.Apply(cal, Change{Kind: ChangeAccept, At: at(2026, 11, 25, 10)})
	if !changed || d.DueDate != "2026-12-02" || d.Gen != 2 || !d.AcceptedAt.Equal(at(2026, 11, 25, 10)) {
		t.Fatalf("after accept: changed %v due %s gen %d", changed, d.DueDate, d.Gen)
	}
	if _, again := d.Apply(cal, Change{Kind: ChangeAccept, At: at(2026, 11, 26, 10)}); again {
		t.Error("a second acceptance re-based the clock")
	}

	// Supplement requested Thursday, received the next Tuesday: Thu, Fri
	// and Mon were the applicant's (3 working days).
	d, _ = d.Apply(cal, Change{Kind: ChangePause, At: at(2026, 11, 26, 15)})
	if d.State != StatePaused || d.Gen != 3 {
		t.Fatalf("after pause: %s gen %d", d.State, d.Gen)
	}
	if got := d.Remaining(cal, at(2026, 12, 20, 9)); got != 5 { // frozen: Thu..Wed 2 Dec = 5
		t.Errorf("remaining while paused = %d, want 5", got)
	}
	if _, again := d.Apply(cal, Change{Kind: ChangePause, At: at(2026, 11, 27, 9)}); again {
		t.Error("pausing a paused clock changed it")
	}
	d, _ = d.Apply(cal, Change{Kind: ChangeResume, At: at(2026, 12, 1, 9)})
	if d.State != StateRunning || d.PausedDays != 3 || d.DueDate != "2026-12-07" || d.Gen != 4 {
		t.Fatalf("after resume: %s paused %d due %s gen %d", d.State, d.PausedDays, d.DueDate, d.Gen)
	}

	// A late, older event changes nothing.
	if _, stale := d.Apply(cal, Change{Kind: ChangePause, At: at(2026, 11, 30, 9)}); stale {
		t.Error("an event older than the last change was applied")
	}

	// Paused and resumed on the same day: no extension.
	d, _ = d.Apply(cal, Change{Kind: ChangePause, At: at(2026, 12, 2, 9)})
	d, _ = d.Apply(cal, Change{Kind: ChangeResume, At: at(2026, 12, 2, 17)})
	if d.PausedDays != 3 || d.DueDate != "2026-12-07" {
		t.Errorf("same-day pause: paused %d due %s", d.PausedDays, d.DueDate)
	}

	d, _ = d.Apply(cal, Change{Kind: ChangeStop, At: at(2026, 12, 3, 9), Outcome: "approved"})
	if d.State != StateStopped || d.Outcome != "approved" {
		t.Fatalf("after stop: %s %s", d.State, d.Outcome)
	}
	if _, after := d.Apply(cal, Change{Kind: ChangeResume, At: at(2026, 12, 4, 9)}); after {
		t.Error("a stopped clock changed")
	}

	// Rejected, then applied again: a new round with a fresh clock.
	r, _ := d.Apply(cal, Change{Kind: ChangeRestart, At: at(2026, 12, 7, 9)})
	if r.Round != 2 || r.State != StateRunning || r.PausedDays != 0 || r.DueDate != "2026-12-14" || !r.AcceptedAt.IsZero() {
		t.Errorf("after restart: round %d %s paused %d due %s", r.Round, r.State, r.PausedDays, r.DueDate)
	}
	if _, again := r.Apply(cal, Change{Kind: ChangeRestart, At: at(2026, 12, 8, 9)}); again {
		t.Error("a running clock restarted")
	}
}

func TestPauseOverHolidaysExtendsByWorkingDaysOnly(t *testing.T) {
	cal := official(t)
	d := ForItem(cal, item(at(2026, 9, 28, 9), 10, false)) // Mon 28 Sep
	before := d.DueDate
	d, _ = d.Apply(cal, Change{Kind: ChangePause, At: at(2026, 9, 30, 9)})
	d, _ = d.Apply(cal, Change{Kind: ChangeResume, At: at(2026, 10, 9, 9)})
	// Paused on 30 Sep and 8 Oct only: 1-7 Oct are the National Day holiday.
	if d.PausedDays != 2 {
		t.Errorf("paused %d working days, want 2", d.PausedDays)
	}
	if want := workday.Add(cal, at(2026, 9, 28, 9), 12).Format(time.DateOnly); d.DueDate != want || before == want {
		t.Errorf("due %s, want %s (was %s)", d.DueDate, want, before)
	}
}

func TestClassifyItemChange(t *testing.T) {
	tests := []struct {
		from, to, action string
		want             ChangeKind
	}{
		{"assigned", "accepted", "accept", ChangeAccept},
		{"accepted", "supplement", "request_supplement", ChangePause},
		{"supplement", "accepted", "supplement_received", ChangeSupplied},
		{"accepted", "suspended", "suspend", ChangePause},
		{"suspended", "accepted", "resume", ChangeResume},
		{"suspended", "assigned", "resume", ChangeResume},
		{"accepted", "approved", "approve", ChangeStop},
		{"supplement", "rejected", "reject", ChangeStop},
		{"accepted", "withdrawn", "withdraw", ChangeStop},
		{"rejected", "assigned", "resubmit", ChangeRestart},
		{"withdrawn", "assigned", "resubmit", ChangeRestart},
		{"waiting", "assigned", "", ChangeNone},
	}
	for _, tt := range tests {
		if got := ClassifyItemChange(tt.from, tt.to, tt.action); got != tt.want {
			t.Errorf("%s -> %s (%s) = %q, want %q", tt.from, tt.to, tt.action, got, tt.want)
		}
	}
}

func TestStepsOfTheLadder(t *testing.T) {
	cal := official(t)
	p := Policy{YellowDays: 2, UrgeDays: 1, SuperviseDays: 3, InterviewDays: 5, EscalateDays: 10}
	// Accepted Thu 24 Sep 2026 with 5 working days: 25 Sep is 中秋 (off),
	// 28, 29, 30 Sep, then 1-7 Oct is National Day: due end of Fri 9 Oct.
	d := ForItem(cal, item(at(2026, 9, 24, 10), 5, false))
	if d.DueDate != "2026-10-09" {
		t.Fatalf("due %s", d.DueDate)
	}
	want := []Step{
		{LevelYellow, at(2026, 10, 8, 0)},     // Thu 8 and Fri 9 Oct remain
		{LevelRed, at(2026, 10, 10, 0)},       // end of Fri 9 Oct
		{LevelUrge, at(2026, 10, 11, 0)},      // after Sat 10 Oct, a make-up working day
		{LevelSupervise, at(2026, 10, 15, 0)}, // after 12, 13, 14 Oct
		{LevelInterview, at(2026, 10, 22, 0)}, // after 15, 16, 19, 20, 21 Oct
		{LevelEscalate, at(2026, 11, 5, 0)},   // after ten more working days
	}
	got := d.Steps(cal, p)
	if len(got) != len(want) {
		t.Fatalf("steps %v", got)
	}
	for i := range want {
		if got[i].Level != want[i].Level || !got[i].At.Equal(want[i].At) {
			t.Errorf("step %d = %s at %s, want %s at %s", i, got[i].Level, got[i].At, want[i].Level, want[i].At)
		}
	}
	if s, ok := d.NextStep(cal, p, LevelRed); !ok || s.Level != LevelUrge {
		t.Errorf("next after red = %v %v", s, ok)
	}
	if _, ok := d.NextStep(cal, p, LevelEscalate); ok {
		t.Error("a step above escalate")
	}
	// A 即办件 starts inside the yellow zone: its first step is red.
	imm := ForItem(cal, item(at(2026, 11, 25, 9), 0, true))
	if s := imm.Steps(cal, p); s[0].Level != LevelRed || !s[0].At.Equal(at(2026, 11, 26, 0)) {
		t.Errorf("即办件 steps %v", s)
	}
	// Steps of zero working days come at the same instant as the one before.
	if s := d.Steps(cal, Policy{}); len(s) != 5 || !s[4].At.Equal(d.DueAt) {
		t.Errorf("zero policy steps %v", s)
	}
	paused, _ := d.Apply(cal, Change{Kind: ChangePause, At: at(2026, 9, 28, 9)})
	if _, ok := paused.NextStep(cal, p, LevelGreen); ok {
		t.Error("a paused deadline has a next step")
	}
}

func TestStepEventIDsAreDeterministic(t *testing.T) {
	if StepEventID("item:a", 1, LevelRed) != StepEventID("item:a", 1, LevelRed) ||
		StepEventID("item:a", 1, LevelRed) == StepEventID("item:a", 2, LevelRed) ||
		StepEventID("item:a", 1, LevelRed) == StepEventID("item:a", 1, LevelUrge) ||
		StepEventID("item:a", 1, LevelRed) == StepEventID("item:b", 1, LevelRed) {
		t.Error("step event ids must be a function of deadline and level")
	}
	if EventType(LevelYellow) != "tuijin.deadline.warning" || EventType(LevelRed) != "tuijin.deadline.overdue" ||
		EventType(LevelInterview) != "tuijin.deadline.escalated" {
		t.Error("event types")
	}
}

func TestForActionIsDueOnTheDateSet(t *testing.T) {
	cal := official(t)
	tests := []struct {
		created, due time.Time
		want         string
	}{
		{at(2026, 11, 23, 15), at(2026, 11, 27, 18), "2026-11-27"},
		{at(2026, 11, 23, 15), at(2026, 11, 28, 18), "2026-11-30"}, // a Saturday: the next working day
		{at(2026, 9, 29, 15), at(2026, 10, 3, 0), "2026-10-08"},    // inside National Day
		{at(2026, 11, 23, 15), at(2026, 11, 20, 9), "2026-11-23"},  // already past: due the same day
		{at(2026, 11, 21, 15), at(2026, 11, 24, 9), "2026-11-24"},  // created on a Saturday
		{at(2026, 11, 21, 15), at(2026, 11, 22, 9), "2026-11-23"},  // created and due on a weekend
		{at(2026, 10, 3, 15), at(2026, 10, 9, 9), "2026-10-09"},    // created on a holiday
	}
	for _, tt := range tests {
		d := ForAction(cal, ActionItem{ActionID: "a1", Department: "zjj", CreatedAt: tt.created, DueBy: tt.due})
		if d.DueDate != tt.want || d.ID != "action:a1" {
			t.Errorf("due by %s: due date %s, want %s", tt.due, d.DueDate, tt.want)
		}
		// Re-deriving the due date from the limit (as a stop does) keeps it.
		if again := d.withDue(cal); again.DueDate != d.DueDate {
			t.Errorf("recomputed due %s, was %s", again.DueDate, d.DueDate)
		}
	}
}
