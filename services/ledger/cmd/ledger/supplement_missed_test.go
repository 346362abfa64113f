package main

import (
	"context"
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

// TestSupplementMissedReachesTheLedger: when the deadline service reports
// an owner past the 容缺 deadline, the item's supplement records it and its
// timeline says so once, however often it is told; the item's status and
// the department's due date stay as they were. A report about an item
// whose materials already arrived changes nothing.
func TestSupplementMissedReachesTheLedger(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), time.Millisecond)
	ctx := context.Background()
	const code = "2026-370481-04-01-400098"
	base, pub, p := startWithProject(t, clk, &intakev1.Project{
		Code: code, Name: "港口物流中心", Category: "招商引资", Level: "市", OwnerOrganisation: "港务集团",
		OwnerContact: "刘经理", InvestmentWan: 52000, Stage: "approving",
	}, "--mongo-database=ledger_missed_test")
	c := client{t: t, base: base, code: code}
	res := c.do("yongdi-yushen", ledger.ActAccept, map[string]any{"missing_materials": []string{"不动产权籍调查报告"}, "supplement_days": 3})
	item := res.Item
	if item.Supplement == nil || item.Due == nil {
		t.Fatalf("容缺受理: %+v", item)
	}
	due := *item.Due
	missed := func(id string, supDue time.Time) {
		env, err := event.New(event.TypeSupplementMissed, "deadline", event.Ref("deadline", "supplement:"+id), clk.Now(),
			&deadlinev1.DeadlineEvent{Kind: "supplement", RefId: id, ProjectCode: code, Department: "zrzy",
				Level: deadlinev1.Level_LEVEL_RED, DueAt: timestamppb.New(supDue), FiredAt: timestamppb.New(clk.Now())})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.PublishEvent(ctx, event.ForDepartment(event.TypeSupplementMissed, "zrzy"), env); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(item.Supplement.Due.Add(time.Hour))
	missed(item.ID, item.Supplement.Due)
	missed(item.ID, item.Supplement.Due)
	waitFor(t, "both reports handled", func() bool {
		return scrape(t, base)[`tuijin_bus_messages_handled_total{consumer="ledger-supplement-missed",outcome="ack"}`] == 2
	})
	itemOf := func() ledger.Item {
		getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+code, &p)
		for _, it := range p.Items {
			if it.ID == item.ID {
				return it
			}
		}
		t.Fatalf("no item %s", item.ID)
		return ledger.Item{}
	}
	got := itemOf()
	if got.Supplement == nil || got.Supplement.MissedAt == nil || got.Supplement.ReceivedAt != nil {
		t.Errorf("supplement after the report: %+v", got.Supplement)
	}
	if got.Status != ledger.StatusAccepted || got.Due == nil || !got.Due.Equal(due) {
		t.Errorf("the department was charged: status %s due %v (was %v)", got.Status, got.Due, due)
	}
	entries := 0
	for _, e := range got.Timeline {
		if e.Action == ledger.ActSupplementMissed {
			entries++
			if e.Note == "" {
				t.Error("the timeline entry says nothing")
			}
		}
	}
	if entries != 1 {
		t.Errorf("%d supplement_missed entries, want 1: %+v", entries, got.Timeline)
	}

	// The materials arrive late; a report delivered after that is ignored.
	res = c.do("yongdi-yushen", ledger.ActSupplementReceived, nil)
	if res.Item.Supplement == nil || res.Item.Supplement.ReceivedAt == nil || res.Item.Supplement.MissedAt == nil {
		t.Fatalf("late materials: %+v", res.Item.Supplement)
	}
	version := res.Version
	missed(item.ID, item.Supplement.Due.Add(time.Second))
	waitFor(t, "the late report handled", func() bool {
		return scrape(t, base)[`tuijin_bus_messages_handled_total{consumer="ledger-supplement-missed",outcome="ack"}`] == 3
	})
	if getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+code, &p); p.Version != version {
		t.Errorf("a report after the materials arrived changed the ledger: version %d, want %d", p.Version, version)
	}
}
