package deadline

import (
	"slices"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// A follow-up clock is due on the date the ledger set (the ledger counts
// workday.DueAt from the acceptance or approval), whatever day it starts
// on, and its limit is the working days that lead there by the counting
// rule, so that a recount lands on the same day.
func TestForFollowUpIsDueWhenTheLedgerSetIt(t *testing.T) {
	cal := official(t)
	for _, tt := range []struct {
		name     string
		from     time.Time
		days     int
		wantDue  string
		wantDays int
	}{
		{"five days in a plain week", at(2026, 11, 23, 10), 5, "2026-11-30", 5},
		{"across 国庆", at(2026, 9, 24, 15), 5, "2026-10-09", 5},
		{"started on a Saturday", at(2026, 11, 21, 10), 1, "2026-11-23", 1},
		{"started on a make-up Saturday", at(2026, 10, 10, 10), 1, "2026-10-12", 1},
		{"across 春节", at(2026, 2, 13, 10), 3, "2026-02-25", 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			due := workday.DueAt(cal, tt.from, tt.days)
			d := ForFollowUp(cal, FollowUp{Kind: KindSupplement, ItemID: "p.eia", Department: "sthj", From: tt.from, DueAt: due})
			if d.ID != "supplement:p.eia" || d.Kind != KindSupplement || d.State != StateRunning {
				t.Fatalf("clock %s kind %s state %s", d.ID, d.Kind, d.State)
			}
			if d.DueDate != tt.wantDue || !d.DueAt.Equal(due) || d.Days != tt.wantDays {
				t.Errorf("due %s (%s) days %d, want %s (%s) days %d", d.DueDate, d.DueAt, d.Days, tt.wantDue, due, tt.wantDays)
			}
		})
	}
}

// A follow-up climbs to its due step and no further: the owner's lateness
// or a check falling due is reported, not escalated against the department.
func TestFollowUpLadderStopsAtItsDueStep(t *testing.T) {
	cal := official(t)
	from := at(2026, 11, 23, 10)
	for _, kind := range FollowUpKinds {
		d := ForFollowUp(cal, FollowUp{Kind: kind, ItemID: "p.x", Department: "zrzy", From: from,
			DueAt: workday.DueAt(cal, from, 5)})
		var levels []Level
		for _, s := range d.Steps(cal, DefaultPolicy) {
			levels = append(levels, s.Level)
		}
		if !slices.Equal(levels, []Level{LevelYellow, LevelRed}) {
			t.Errorf("%s steps %v, want yellow, red", kind, levels)
		}
		if s, ok := d.WithNext(cal, DefaultPolicy).NextStep(cal, DefaultPolicy, LevelRed); ok {
			t.Errorf("%s climbs on after red to %s", kind, s.Level)
		}
	}
	item := ForItem(cal, ItemAssignment{ItemID: "p.x", Department: "zrzy", AssignedAt: from, PromisedDays: 5})
	if n := len(item.Steps(cal, DefaultPolicy)); n != 6 {
		t.Errorf("an item's ladder has %d steps, want 6", n)
	}
}

func TestStepEventTypes(t *testing.T) {
	for _, tt := range []struct {
		kind  string
		level Level
		want  string
	}{
		{KindSupplement, LevelYellow, "tuijin.deadline.supplement.warning"},
		{KindSupplement, LevelRed, "tuijin.deadline.supplement.missed"},
		{KindCheck, LevelYellow, "tuijin.deadline.check.warning"},
		{KindCheck, LevelRed, "tuijin.deadline.check.due"},
		{KindItem, LevelYellow, "tuijin.deadline.warning"},
		{KindItem, LevelRed, "tuijin.deadline.overdue"},
		{KindAction, LevelUrge, "tuijin.deadline.escalated"},
	} {
		if got := StepEventType(tt.kind, tt.level); got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.kind, tt.level, got, tt.want)
		}
	}
}

func TestFollowUpValidate(t *testing.T) {
	from := at(2026, 11, 23, 10)
	ok := FollowUp{Kind: KindCheck, ItemID: "p.x", Department: "zrzy", From: from, DueAt: from.AddDate(0, 0, 10)}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid follow-up refused: %v", err)
	}
	for name, f := range map[string]func(*FollowUp){
		"unknown kind":    func(f *FollowUp) { f.Kind = "item" },
		"no item":         func(f *FollowUp) { f.ItemID = "" },
		"no department":   func(f *FollowUp) { f.Department = "" },
		"no due":          func(f *FollowUp) { f.DueAt = time.Time{} },
		"due before from": func(f *FollowUp) { f.DueAt = from.Add(-time.Hour) },
		"years away":      func(f *FollowUp) { f.DueAt = from.AddDate(3, 0, 0) },
	} {
		bad := ok
		f(&bad)
		if err := bad.Validate(); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}
