package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestGreenChannelShortensTheLimit: a project registered on the green
// channel has its 立项 (5 working days in the demo catalog) promised in 3,
// said so in the ledger, the assignment event and the clock.
func TestGreenChannelShortensTheLimit(t *testing.T) {
	s := newSystem(t)
	s.start("intake", "ledger", "deadline")
	code := projectCode(841)
	p := project(code)
	p["green_channel"] = true
	if resp := s.postJSON(owner, s.url("intake")+"/v1/projects", p, nil, nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: status %d", resp.StatusCode)
	}
	lixiang := code + ".lixiang"
	var clock struct {
		deadlineView
		Days         int  `json:"working_days"`
		GreenChannel bool `json:"green_channel"`
	}
	testenv.WaitFor(t, 20*time.Second, "the clock of 立项", func() bool {
		return s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/item:"+lixiang, &clock) == http.StatusOK
	})
	var ledger struct {
		Items []struct {
			ID           string     `json:"id"`
			PromisedDays int        `json:"promised_days"`
			NormalDays   int        `json:"normal_days"`
			GreenChannel bool       `json:"green_channel"`
			Due          *time.Time `json:"due"`
			Timeline     []struct {
				Action string `json:"action"`
				Note   string `json:"note"`
			} `json:"timeline"`
		} `json:"items"`
	}
	s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+code, &ledger)
	found := false
	for _, it := range ledger.Items {
		if it.ID != lixiang {
			continue
		}
		found = true
		last := it.Timeline[len(it.Timeline)-1]
		if it.PromisedDays != 3 || it.NormalDays != 5 || !it.GreenChannel || last.Action != "assign" || !strings.Contains(last.Note, "绿色通道") {
			t.Errorf("ledger item %+v, want 3 green-channel days of 5, said so at assignment", it)
		}
		if it.Due == nil || !it.Due.Equal(clock.DueAt) || clock.Days != 3 || !clock.GreenChannel {
			t.Errorf("ledger due %v, clock %+v: want the clock on the same 3 days", it.Due, clock)
		}
	}
	if !found {
		t.Fatalf("no item %s", lixiang)
	}
	var assigned ledgerv1.ItemAssigned
	for _, env := range s.envelopes("TUIJIN_EVENTS", event.ForDepartment(event.TypeItemAssigned, "fgw")) {
		if err := event.Payload(env, &assigned); err != nil {
			t.Fatal(err)
		}
		if assigned.GetItemId() == lixiang {
			break
		}
	}
	if assigned.GetItemId() != lixiang || assigned.GetPromisedDays() != 3 || assigned.GetNormalDays() != 5 || !assigned.GetGreenChannel() {
		t.Errorf("item.assigned %v, want 3 promised days of normally 5 on the green channel", &assigned)
	}
}
