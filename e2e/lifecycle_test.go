package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"

	"github.com/tuijin/tuijin/pkg/event"
)

// TestReserveProjectWaitsForApproving registers a 储备 project through
// intake: the ledger lists its items as planned and nobody hears of them
// (no item.assigned, no deadline, no inbox entry) until the officer moves
// it to 审批, which dispatches exactly the ready items; 开工 then waits for
// the construction permit.
func TestReserveProjectWaitsForApproving(t *testing.T) {
	s := newSystem(t)
	s.start(services...)
	code := projectCode(61)
	p := project(code)
	p["stage"] = "储备"
	if resp := s.postJSON(owner, s.url("intake")+"/v1/projects", p, nil, nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: status %d", resp.StatusCode)
	}

	type ledgerView struct {
		Stage   string `json:"stage"`
		Version int64  `json:"version"`
		Items   []struct {
			ID            string `json:"id"`
			Status        string `json:"status"`
			PlannedReason string `json:"planned_reason"`
		} `json:"items"`
		Progress []struct {
			From     string   `json:"from"`
			Stage    string   `json:"stage"`
			Assigned []string `json:"assigned"`
		} `json:"progress"`
	}
	var l ledgerView
	eventually(t, 30*time.Second, "the ledger of the reserve project", func() bool {
		return s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+code, &l) == http.StatusOK
	})
	if l.Stage != "reserve" || len(l.Items) != 11 {
		t.Fatalf("ledger: stage %s, %d items", l.Stage, len(l.Items))
	}
	for _, it := range l.Items {
		if it.Status != "planned" || !strings.Contains(it.PlannedReason, "储备") {
			t.Fatalf("item %s of a reserve project is %s (%q), want planned with the reason", it.ID, it.Status, it.PlannedReason)
		}
	}
	// The ledger saves a change and its events in one write, so a ledger
	// that reads as planned has sent (or holds) every event it will: none.
	assigned := fmt.Sprintf("%s.>", event.TypeItemAssigned)
	if n := s.streamCount("TUIJIN_EVENTS", assigned); n != 0 {
		t.Fatalf("%d item.assigned events for a reserve project", n)
	}
	var queue struct {
		Total int `json:"total"`
	}
	for _, dept := range readyItems {
		if st := s.getJSON(supervisor, s.url("ledger")+"/v1/items?department="+dept, &queue); st != http.StatusOK || queue.Total != 0 {
			t.Fatalf("work queue of %s: status %d, %d items", dept, st, queue.Total)
		}
	}
	if n := s.metric("ledger", "tuijin_ledger_pending_items", map[string]string{"department": "fgw", "state": "assigned"}); n != 0 {
		t.Fatalf("fgw pending %v for a reserve project", n)
	}

	if st := s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/"+url.PathEscape("item:"+code+".lixiang"), nil); st != http.StatusNotFound {
		t.Fatalf("deadline of a planned item: status %d, want 404", st)
	}

	progress := s.url("ledger") + "/v1/projects/" + code + "/progress"
	var eb struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if resp := s.postJSON(officer, progress, map[string]any{"stage": "开工", "actor": "王芳", "version": l.Version}, nil, &eb); resp.StatusCode != http.StatusConflict ||
		eb.Error.Code != "permit_required" || !strings.Contains(eb.Error.Message, "override_reason") {
		t.Fatalf("开工 of a reserve project without the permit: %d %+v", resp.StatusCode, eb.Error)
	}

	var moved struct {
		From     string `json:"from"`
		Stage    string `json:"stage"`
		Version  int64  `json:"version"`
		Assigned []struct {
			Type string `json:"type"`
		} `json:"assigned"`
	}
	if resp := s.postJSON(officer, progress, map[string]any{"stage": "审批", "actor": "王芳", "version": l.Version}, nil, &moved); resp.StatusCode != http.StatusOK ||
		moved.From != "reserve" || moved.Stage != "approving" || len(moved.Assigned) != len(readyItems) {
		t.Fatalf("move to 审批: status %d, %+v", resp.StatusCode, moved)
	}

	eventually(t, 30*time.Second, "the ready items' item.assigned events", func() bool {
		return s.streamCount("TUIJIN_EVENTS", assigned) >= len(readyItems)
	})
	got := map[string]string{}
	for _, env := range s.envelopes("TUIJIN_EVENTS", assigned) {
		var a ledgerv1.ItemAssigned
		if err := event.Payload(env, &a); err != nil {
			t.Fatal(err)
		}
		key := strings.TrimPrefix(a.GetItemId(), code+".")
		if _, dup := got[key]; dup {
			t.Fatalf("item %s assigned twice", key)
		}
		got[key] = a.GetDepartment()
	}
	if !maps.Equal(got, readyItems) {
		t.Fatalf("dispatched %v, want exactly the ready items %v", got, readyItems)
	}
	changes := s.envelopes("TUIJIN_EVENTS", event.TypeProjectChanged)
	if len(changes) != 1 {
		t.Fatalf("%d project.changed events, want 1", len(changes))
	}
	var pc ledgerv1.ProjectChanged
	if err := event.Payload(changes[0], &pc); err != nil {
		t.Fatal(err)
	}
	if pc.GetFromStage() != "reserve" || pc.GetToStage() != "approving" || len(pc.GetAssignedItemIds()) != len(readyItems) || pc.GetActor() != "王芳" {
		t.Fatalf("project.changed %+v", &pc)
	}

	// The clock and the departments hear of the ready items now, and of no
	// other.
	for key, dept := range readyItems {
		id := url.PathEscape("item:" + code + "." + key)
		eventually(t, 20*time.Second, "deadline of "+key, func() bool {
			return s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/"+id, nil) == http.StatusOK
		})
		var inbox struct {
			Items []struct {
				ItemID string `json:"item_id"`
			} `json:"items"`
		}
		eventually(t, 20*time.Second, "inbox of "+dept, func() bool {
			s.getJSON(testenv.Clerk(dept), s.url("notification")+"/v1/inbox?recipient=dept:"+dept, &inbox)
			return len(inbox.Items) > 0
		})
		if len(inbox.Items) != 1 || inbox.Items[0].ItemID != code+"."+key {
			t.Errorf("inbox of %s = %+v, want one entry for %s", dept, inbox.Items, key)
		}
	}
	if st := s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/"+url.PathEscape("item:"+code+".jieneng"), nil); st != http.StatusNotFound {
		t.Errorf("deadline of 节能审查, which waits for 立项: status %d, want 404", st)
	}
	if s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+code, &l); len(l.Progress) != 1 || l.Progress[0].From != "reserve" ||
		l.Progress[0].Stage != "approving" || len(l.Progress[0].Assigned) != len(readyItems) {
		t.Fatalf("the project's timeline %+v", l.Progress)
	}
	if n := s.metric("ledger", "tuijin_ledger_pending_items", map[string]string{"department": "fgw", "state": "assigned"}); n != 1 {
		t.Fatalf("fgw pending %v after the move, want 1", n)
	}
	// The owner's registration in intake follows the stage.
	var reg struct {
		Stage string `json:"stage"`
	}
	eventually(t, time.Minute, "intake to show the project in 审批", func() bool {
		return s.getJSON(supervisor, s.url("intake")+"/v1/projects/"+code, &reg) == http.StatusOK && reg.Stage == "approving"
	})
}
