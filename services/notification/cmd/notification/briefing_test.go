package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/event"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// briefingEvent is the ledger's weekly briefing of 2–8 March 2026, with
// 自然资源和规划局 first on the critical paths.
func briefingEvent(t *testing.T, kind string) *eventv1.Envelope {
	t.Helper()
	env := newEvent(t, event.TypeBriefingPublished, &ledgerv1.BriefingPublished{Kind: kind, Period: "2026-03-02",
		FirstDay: "2026-03-02", LastDay: "2026-03-08", AsOfDay: "2026-03-09", ProjectsStarted: 1, ItemsFinished: 7,
		RedItems: 2, ProblemsEscalated: 1, Decisions: 1, LateProjects: 1,
		CriticalDelays: []*ledgerv1.BriefingCriticalDelay{{Department: "zrzy", DelayDays: 10, Projects: 2, LateProjects: 1},
			{Department: "fgw", DelayDays: 3, Projects: 1}},
		WorstLate: []*ledgerv1.BriefingLateProject{{ProjectCode: projectCode, ProjectName: "城北物流园", PlannedStart: "2026-04-01",
			Forecast: "2026-04-20", LateDays: 13, CriticalPath: []string{"用地预审与选址意见书", "建筑工程施工许可证"}}},
		MarkdownUrl: "http://ledger.example/v1/briefings/weekly.md?day=2026-03-02",
		XlsxUrl:     "http://ledger.example/v1/briefings/weekly.xlsx?day=2026-03-02",
		PublishedAt: timestamppb.New(time.Date(2026, 3, 9, 0, 30, 0, 0, time.UTC))})
	env.Id = "briefing-" + kind + "-2026-03-02"
	return env
}

// TestLeaderBriefing: the ledger's weekly briefing reaches every
// department's leader and the supervisors' and secretaries' inboxes once,
// however often it arrives (the stream's deduplication bypassed too); a
// briefing of an unknown kind is dead-lettered and tells nobody; and the
// bulletin of the same Monday ranks the departments by the delay they put
// on critical paths.
func TestLeaderBriefing(t *testing.T) {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	leaders := len(o.Departments)
	e := newEnv(t)
	e.clock.Set(time.Date(2026, 3, 9, 0, 35, 0, 0, time.UTC)) // Monday 08:35 Beijing time
	base := e.start(t, "--bulletin-at=09:00")

	bad := briefingEvent(t, "daily")
	e.publish(t, event.TypeBriefingPublished, bad)
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-briefing-published",outcome="dead_letter"}`, 1)

	env := briefingEvent(t, notification.BriefingWeekly)
	e.publish(t, event.TypeBriefingPublished, env)
	e.publish(t, event.TypeBriefingPublished, env) // the stream drops this one
	data, err := event.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	// The same event again past the stream's duplicate window: the
	// consumer's own idempotency holds.
	if _, err := e.js.Publish(context.Background(), event.TypeBriefingPublished, data, jetstream.WithMsgID("redelivered-"+env.GetId())); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-briefing-published",outcome="ack"}`, 2)

	title := "重点项目审批服务简报（周报，2026年3月2日（周一）至2026年3月8日（周日））"
	recipients := []string{"role:supervisor", "role:secretary"}
	for _, d := range o.Departments {
		recipients = append(recipients, "leader:"+d.Code)
	}
	for _, r := range recipients {
		in := getInbox(t, base, "recipient="+r)
		if len(in.Items) != 1 || in.Items[0].Title != title {
			t.Fatalf("%s's inbox: %+v, want the one briefing", r, in.Items)
		}
		body := in.Items[0].Body
		for _, want := range []string{"办结审批事项 7 件", "1. 自然资源和规划局：10 个工作日（涉及 2 个项目，其中 1 个预计滞后开工）",
			"城北物流园：计划2026年4月1日（周三）开工", "关键路径：用地预审与选址意见书 → 建筑工程施工许可证",
			"[简报（Markdown）](http://ledger.example/v1/briefings/weekly.md?day=2026-03-02)",
			"[简报（Excel）](http://ledger.example/v1/briefings/weekly.xlsx?day=2026-03-02)"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s's briefing lacks %q:\n%s", r, want, body)
			}
		}
	}
	if got := deliveries(t, base, "event="+env.GetId()+"&channel=inbox"); len(got) != leaders+2 {
		t.Fatalf("%d inbox deliveries of the briefing, want %d: %s", len(got), leaders+2, summary(got))
	}
	if got := deliveries(t, base, "event="+bad.GetId()); len(got) != 0 {
		t.Fatalf("the refused briefing was delivered: %s", summary(got))
	}
	// The supervisors' inbox is theirs: a clerk or another role is refused.
	var refused httpx.ErrorBody
	if st := do(t, testenv.Clerk("zrzy"), http.MethodGet, base+"/v1/inbox?recipient=role:supervisor", &refused); st != http.StatusForbidden {
		t.Errorf("a clerk reading role:supervisor: %d, want 403", st)
	}
	if st := do(t, testenv.AsSecretary, http.MethodGet, base+"/v1/inbox?recipient=role:supervisor", &refused); st != http.StatusForbidden {
		t.Errorf("a secretary reading role:supervisor: %d, want 403", st)
	}
	if st := do(t, testenv.AsSupervisor, http.MethodGet, base+"/v1/inbox?recipient=role:director", &refused); st != http.StatusUnprocessableEntity ||
		refused.Error.Field != "recipient" {
		t.Errorf("an unknown role recipient: %d %+v, want 422 on recipient", st, refused)
	}

	// 09:00: the bulletin ranks by critical-path delay too.
	e.clock.Advance(25 * time.Minute)
	eventually(t, "the bulletin", func() bool {
		return len(deliveries(t, base, "event=bulletin:2026-W10&channel=inbox")) == leaders
	})
	in := getInbox(t, base, "recipient=dept:fgw")
	for _, want := range []string{"按关键路径延误排序（超出承诺时限、推迟项目开工的工作日，截至2026年3月9日（周一）的开工预测）：",
		"1. 自然资源和规划局：延误 10 个工作日，涉及 2 个项目，其中 1 个预计晚于计划开工。",
		"2. 发展和改革局：延误 3 个工作日，涉及 1 个项目，其中 0 个预计晚于计划开工。"} {
		if !strings.Contains(in.Items[0].Body, want) {
			t.Errorf("the bulletin lacks %q:\n%s", want, in.Items[0].Body)
		}
	}
}
