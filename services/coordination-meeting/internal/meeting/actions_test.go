package meeting

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// decidedMeeting is sampleMeeting with minutes: an action item for zrzy on
// the first entry, the second escalated.
func decidedMeeting(t *testing.T) Meeting {
	t.Helper()
	m := sampleMeeting()
	minutes, err := ValidateMinutes(demoOrg(t), m, "", []DecisionDraft{
		{AgendaEntryID: m.Agenda[0].ID, Outcome: OutcomeAction, Text: "限期办结",
			Action: &ActionDraft{Department: "zrzy", Description: "出具用地预审意见", DueAt: "2026-03-11T18:00:00+08:00"}},
		{AgendaEntryID: m.Agenda[1].ID, Outcome: OutcomeEscalate, Text: "提级", Report: "专题报告"},
	}, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	m.Minutes, m.Status, m.Version = &minutes, StatusDecided, 2
	return m
}

func TestActionChanges(t *testing.T) {
	now := start.AddDate(0, 0, 3)
	change := func(ref, c, note string) ActionChange {
		return ActionChange{MeetingID: "m1", Ref: ref, Change: c, Actor: "自规局 李科长", Note: note}
	}
	// A path through every legal change, by position and by id.
	m := decidedMeeting(t)
	id := m.Minutes.Decisions[0].Action.ID
	if got := m.Minutes.Decisions[0].Action.State(); got != ActionOpen {
		t.Fatalf("new action is %s, want open", got)
	}
	for i, step := range []struct {
		c    ActionChange
		want string
	}{
		{change("1", ChangeDone, ""), ActionDone},
		{change(id, ChangeReopen, "意见未盖章"), ActionOpen},
		{change("1", ChangeDone, "已盖章"), ActionDone},
		{change("1", ChangeConfirm, ""), ActionConfirmed},
		{change("1", ChangeReopen, "复核发现问题"), ActionOpen},
	} {
		v := m.Version
		idx, err := ApplyActionChange(&m, step.c, now)
		if err != nil {
			t.Fatalf("step %d %s: %v", i, step.c.Change, err)
		}
		a := m.Minutes.Decisions[idx].Action
		last := a.History[len(a.History)-1]
		if idx != 0 || a.Status != step.want || m.Version != v+1 || len(a.History) != i+1 ||
			last.Change != step.c.Change || last.Status != step.want || last.Actor != "自规局 李科长" {
			t.Fatalf("step %d %s: status %s version %d history %+v", i, step.c.Change, a.Status, m.Version, a.History)
		}
	}

	bad := []struct {
		name string
		c    ActionChange
		code string
	}{
		{"unknown change", change("1", "finish", ""), "unknown_change"},
		{"no actor", ActionChange{Ref: "1", Change: ChangeDone}, "actor_required"},
		{"reopen without a note", change("1", ChangeReopen, " "), "note_required"},
		{"no such position", change("2", ChangeDone, ""), "action_not_found"},
		{"no such id", change("nope", ChangeDone, ""), "action_not_found"},
		{"confirm an open action", change("1", ChangeConfirm, ""), "illegal_transition"},
		{"reopen an open action", change("1", ChangeReopen, "为何"), "illegal_transition"},
		{"stale version", ActionChange{Ref: "1", Change: ChangeDone, Actor: "x", Version: 1}, "version_mismatch"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			m := decidedMeeting(t)
			before := decidedMeeting(t)
			_, err := ApplyActionChange(&m, tt.c, now)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("error %v, want %s", err, tt.code)
			}
			if !reflect.DeepEqual(m, before) {
				t.Errorf("a refused change altered the meeting")
			}
		})
	}
	t.Run("a meeting without minutes has no actions", func(t *testing.T) {
		m := sampleMeeting()
		if _, err := ApplyActionChange(&m, change("1", ChangeDone, ""), now); err == nil {
			t.Fatal("changed an action of a meeting without minutes")
		}
	})
}

// The minutes exports show how far each action item got.
func TestExportShowsActionState(t *testing.T) {
	m := decidedMeeting(t)
	due := func() string { return ExportOf(m, func(c string) string { return c }).Rows[0].DueText() }
	if got := due(); got != "2026-03-11" {
		t.Fatalf("open action's due cell %q", got)
	}
	for _, c := range []struct{ change, want string }{{ChangeDone, "2026-03-11（已报办结，待确认）"}, {ChangeConfirm, "2026-03-11（已确认办结）"}} {
		if _, err := ApplyActionChange(&m, ActionChange{Ref: "1", Change: c.change, Actor: "秘书"}, start.AddDate(0, 0, 3)); err != nil {
			t.Fatal(err)
		}
		if got := due(); got != c.want {
			t.Errorf("after %s: due cell %q, want %q", c.change, got, c.want)
		}
	}
}
