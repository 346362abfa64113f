package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// TestMeetingDecisionWrittenBack: a coordination meeting's decision on a
// problem becomes a measure taken (解决举措) in the problem ledger, once,
// however often the event is delivered, and moves the problem on.
func TestMeetingDecisionWrittenBack(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), time.Millisecond)
	ctx := context.Background()
	const code = "2026-370481-04-01-400077"
	base, pub, p := startWithProject(t, clk, &intakev1.Project{
		Code: code, Name: "城东污水处理厂", Category: "政府投资", Level: "县", OwnerOrganisation: "城投集团",
		OwnerContact: "赵工", InvestmentWan: 9000, Stage: "approving",
	}, "--outbox-interval=200ms")
	var raised ledger.ProblemResult
	if st := send(t, testenv.AsSupervisor, http.MethodPost, base+"/v1/projects/"+code+"/problems", map[string]any{
		"title": "选址涉及生态红线", "department": "sthj", "actor": "督导组", "version": p.Version,
	}, &raised); st != http.StatusCreated && st != http.StatusOK {
		t.Fatalf("raise problem: status %d", st)
	}
	problemID := raised.Problem.ID

	decide := func(entry, outcome, text string) {
		env, err := event.New(event.TypeMeetingDecided, "coordination-meeting", event.Ref("meeting", "m1"), clk.Now(),
			&meetingv1.MeetingDecided{MeetingId: "m1", AgendaEntryId: entry, ProjectCode: code, ProblemId: problemID,
				Outcome: outcome, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		// Published twice under two event ids, as a producer that crashed
		// before recording its first publish might.
		for range 2 {
			env.Id = env.GetId() + "x"
			if err := pub.PublishEvent(ctx, event.TypeMeetingDecided, env); err != nil {
				t.Fatal(err)
			}
		}
	}
	problem := func() ledger.Problem {
		var p ledger.Project
		getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+code, &p)
		for _, pr := range p.Problems {
			if pr.ID == problemID {
				return pr
			}
		}
		t.Fatalf("problem %s is gone", problemID)
		return ledger.Problem{}
	}

	decide("e1", "action", "生态环境局五个工作日内出具选址意见")
	waitFor(t, "the first decision", func() bool { return len(problem().Measures) == 1 })
	decide("e2", "resolved", "红线已调整")
	waitFor(t, "the second decision", func() bool { return problem().Status == ledger.ProblemResolved })
	// A decision on an agenda entry that is no problem leaves the ledger alone.
	other, _ := event.New(event.TypeMeetingDecided, "coordination-meeting", event.Ref("meeting", "m1"), clk.Now(),
		&meetingv1.MeetingDecided{MeetingId: "m1", AgendaEntryId: "e3", ProjectCode: code, Outcome: "resolved", Text: "当场解决"})
	if err := pub.PublishEvent(ctx, event.TypeMeetingDecided, other); err != nil {
		t.Fatal(err)
	}
	// Five deliveries in all: two per decision and the third event.
	waitFor(t, "every delivery handled", func() bool {
		return sumOf(scrape(t, base), `tuijin_bus_messages_handled_total{consumer="ledger-meeting-decided"`) == 5
	})

	pr := problem()
	if len(pr.Measures) != 2 || pr.Measures[0].Source != "meeting:m1/e1" || pr.Measures[1].Source != "meeting:m1/e2" {
		t.Fatalf("measures %+v, want one per decision", pr.Measures)
	}
	if pr.Status != ledger.ProblemResolved {
		t.Fatalf("problem is %s, want resolved", pr.Status)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, what, cond)
}
