package e2e

import (
	"net/http"
	"testing"
	"time"

	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestLateAcceptanceKeepsTheClock: an item nobody accepted climbs to 督办;
// its department then accepts it, weeks after the acceptance window. The
// application counted as accepted on receipt (行政许可法 §32), so the item
// stays overdue at 督办 with its original due date in the ledger, in the
// deadline service and in the overdue gauge, and the acceptance is recorded
// as late. The deadline service runs 30 days ahead; the ledger is restarted
// 30 days ahead before the acceptance, so both see it weeks late.
func TestLateAcceptanceKeepsTheClock(t *testing.T) {
	s := newSystem(t)
	s.envFor["deadline"] = []string{
		"TUIJIN_CLOCK_OFFSET=720h",
		"TUIJIN_URGE_DAYS=1", "TUIJIN_SUPERVISE_DAYS=1", "TUIJIN_INTERVIEW_DAYS=60", "TUIJIN_ESCALATE_DAYS=60",
	}
	s.start("intake", "ledger", "deadline")
	code := projectCode(811)
	lixiang := code + ".lixiang" // 发展和改革局, 5 working days
	s.registerProject(code)

	supervised := map[string]string{"department": "fgw", "level": "supervise"}
	var before deadlineView
	testenv.WaitFor(t, 60*time.Second, "督办 of 立项", func() bool {
		s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/item:"+lixiang, &before)
		return before.Level == "supervise" && s.metric("deadline", "tuijin_deadline_overdue_items", supervised) == 1
	})
	item := s.ledgerItem(code, lixiang)
	if item.Due == nil || !item.Due.Equal(before.DueAt) {
		t.Fatalf("before acceptance: ledger due %v, deadline due %s", item.Due, before.DueAt)
	}

	s.stop("ledger")
	s.envFor["ledger"] = []string{"TUIJIN_CLOCK_OFFSET=720h"}
	s.start("ledger")
	var res struct {
		Item    ledgerItemView `json:"item"`
		Version int64          `json:"version"`
	}
	resp := s.postJSON(clerkOf(t, lixiang), s.url("ledger")+"/v1/items/"+lixiang+"/actions",
		map[string]any{"action": "accept", "actor": "发改局审批科", "version": s.ledgerVersion(code)}, nil, &res)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("accept: status %d", resp.StatusCode)
	}
	if res.Item.Status != "accepted" || !res.Item.AcceptedLate || res.Item.Due == nil || !res.Item.Due.Equal(before.DueAt) {
		t.Fatalf("accepted item: status %s late %v due %v, want accepted late with due %s",
			res.Item.Status, res.Item.AcceptedLate, res.Item.Due, before.DueAt)
	}
	if last := res.Item.Timeline[len(res.Item.Timeline)-1]; last.Action != "accept" || !last.Late {
		t.Errorf("timeline ends with %+v, want a late accept", last)
	}

	// The event says so, and the clock applies it without moving.
	changed := event.ForDepartment(event.TypeItemChanged, "fgw")
	testenv.WaitFor(t, 20*time.Second, "item.changed of the acceptance", func() bool {
		return s.streamCount("TUIJIN_EVENTS", changed) >= 1
	})
	var ev ledgerv1.ItemChanged
	for _, env := range s.envelopes("TUIJIN_EVENTS", changed) {
		if err := event.Payload(env, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.GetAction() == "accept" {
			break
		}
	}
	if ev.GetAction() != "accept" || !ev.GetAcceptedLate() || !ev.GetDue().AsTime().Equal(before.DueAt) {
		t.Fatalf("item.changed %v, want a late accept with the original due", &ev)
	}
	var after deadlineView
	testenv.WaitFor(t, 20*time.Second, "the clock records the acceptance", func() bool {
		s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/item:"+lixiang, &after)
		return !after.AcceptedAt.IsZero()
	})
	if !after.AcceptedLate || after.Level != "supervise" || !after.DueAt.Equal(before.DueAt) ||
		after.DueDate != before.DueDate || !after.Start.Equal(before.Start) || after.State != "running" {
		t.Errorf("deadline after late acceptance %+v, want it late, at supervise, due %s as before", after, before.DueDate)
	}
	if n := s.metric("deadline", "tuijin_deadline_overdue_items", supervised); n != 1 {
		t.Errorf("overdue gauge at 督办 for fgw = %v after late acceptance, want 1", n)
	}
	if n := s.metric("deadline", "tuijin_deadline_overdue_items", map[string]string{"department": "fgw", "level": "red"}); n != 0 {
		t.Errorf("overdue gauge at red for fgw = %v, want 0 (the item stays at 督办)", n)
	}
	if got := s.ledgerItem(code, lixiang); got.Due == nil || !got.Due.Equal(after.DueAt) || !got.AcceptedLate {
		t.Errorf("ledger item after acceptance: due %v late %v, want %s late", got.Due, got.AcceptedLate, after.DueAt)
	}
}

type deadlineView struct {
	Level        string    `json:"level"`
	State        string    `json:"state"`
	Start        time.Time `json:"start"`
	DueAt        time.Time `json:"due_at"`
	DueDate      string    `json:"due_date"`
	AcceptedAt   time.Time `json:"accepted_at"`
	AcceptedLate bool      `json:"accepted_late"`
}

type ledgerItemView struct {
	ID           string     `json:"id"`
	Status       string     `json:"status"`
	Due          *time.Time `json:"due"`
	AcceptedLate bool       `json:"accepted_late"`
	Timeline     []struct {
		Action string `json:"action"`
		Late   bool   `json:"late"`
	} `json:"timeline"`
}

// ledgerItem reads item id from the ledger of project code.
func (s *system) ledgerItem(code, id string) ledgerItemView {
	s.t.Helper()
	it, st := s.findLedgerItem(code, id)
	switch {
	case st != http.StatusOK:
		s.t.Fatalf("ledger %s: status %d", code, st)
	case it == nil:
		s.t.Fatalf("ledger %s has no item %s", code, id)
	}
	return *it
}

// findLedgerItem is item id of project code's ledger, nil if the ledger
// has none, with the status of the ledger's read.
func (s *system) findLedgerItem(code, id string) (*ledgerItemView, int) {
	s.t.Helper()
	var p struct {
		Items []ledgerItemView `json:"items"`
	}
	st := s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+code, &p)
	for _, it := range p.Items {
		if it.ID == id {
			return &it, st
		}
	}
	return nil, st
}

// ledgerVersion is the version of project code's ledger.
func (s *system) ledgerVersion(code string) int64 {
	s.t.Helper()
	var p struct {
		Version int64 `json:"version"`
	}
	s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+code, &p)
	return p.Version
}
