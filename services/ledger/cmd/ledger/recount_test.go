package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// TestRecomputedDueReachesTheLedger: when the deadline service recounts an
// item's limit on a year's newly published arrangement, the ledger takes
// the new due date with a timeline note, once however often it is told.
func TestRecomputedDueReachesTheLedger(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 12, 15, 1, 0, 0, 0, time.UTC), time.Millisecond)
	ctx := context.Background()
	const code = "2026-370481-04-01-400099"
	base, pub, p := startWithProject(t, clk, &intakev1.Project{
		Code: code, Name: "港口物流中心", Category: "招商引资", Level: "市", OwnerOrganisation: "港务集团",
		OwnerContact: "刘经理", InvestmentWan: 52000, Stage: "approving",
	}, "--mongo-database=ledger_recount_test")
	var item ledger.Item
	for _, it := range p.Items {
		if it.Status == ledger.StatusAssigned && it.Due != nil {
			item = it
			break
		}
	}
	if item.ID == "" {
		t.Fatalf("no assigned item with a due date in %+v", p.Items)
	}
	newDue := item.Due.AddDate(0, 0, 1)
	recount := func() {
		env, err := event.New(event.TypeDeadlineRecomputed, "deadline", event.Ref("deadline", "item:"+item.ID), clk.Now(),
			&deadlinev1.DeadlineEvent{Kind: "item", RefId: item.ID, ProjectCode: code, Department: item.Department,
				DueAt: timestamppb.New(newDue), FiredAt: timestamppb.New(clk.Now()), PreviousDueDate: "old",
				Note: "2027年节假日安排公布，到期日重新计算"})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.PublishEvent(ctx, event.ForDepartment(event.TypeDeadlineRecomputed, item.Department), env); err != nil {
			t.Fatal(err)
		}
	}
	recount()
	recount()
	waitFor(t, "the recounted due date", func() bool {
		getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+code, &p)
		for _, it := range p.Items {
			if it.ID == item.ID {
				item = it
			}
		}
		return item.Due != nil && item.Due.Equal(newDue)
	})
	waitFor(t, "both recounts handled", func() bool {
		return scrape(t, base)[`tuijin_bus_messages_handled_total{consumer="ledger-deadline-recomputed",outcome="ack"}`] == 2
	})
	getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+code, &p)
	for _, it := range p.Items {
		if it.ID == item.ID {
			item = it
		}
	}
	notes := 0
	for _, e := range item.Timeline {
		if e.Action == "recount" {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("%d recount entries in the timeline, want 1: %+v", notes, item.Timeline)
	}

	// The owner's view shows the new date as the department's to meet.
	var st ledger.ProjectStatus
	if code := getJSON(t, testenv.OwnerOf("港务集团"), base+"/v1/projects/"+code+"/status", &st); code != http.StatusOK || st.UnderWay == 0 {
		t.Fatalf("status: %d %+v", code, st)
	}
	found := false
	for _, o := range st.Owed {
		if o.Item == item.ID && o.By == "department" && o.Due != nil && o.Due.Equal(newDue) {
			found = true
		}
	}
	if !found {
		t.Errorf("the owner's view %+v does not show %s owed by %s on %v", st.Owed, item.ID, item.Department, newDue)
	}
	if code := getJSON(t, testenv.OwnerOf("港务集团"), base+"/v1/projects/2026-370481-04-01-999999/status", nil); code != http.StatusNotFound {
		t.Errorf("status of an unknown project: %d, want 404", code)
	}
}
