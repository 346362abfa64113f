package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// TestDigestAndBulletin: a recipient preferring a digest gets its e-mail
// held and sent once a day as one message; on Monday morning every
// department gets the bulletin of the week before, ranking departments by
// on-time rate, once.
func TestDigestAndBulletin(t *testing.T) {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	departments := len(o.Departments)
	e := newEnv(t)
	e.clock.Set(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Beijing time
	base := e.start(t, "--digest-at=18:00", "--bulletin-at=09:00")
	var p notification.Preferences
	if status := request(t, testenv.Leader("wlj"), http.MethodPut, base+"/v1/preferences/dept:wlj", "application/json",
		[]byte(`{"channels":["inbox","email"],"email":"ban@wlj.example","digest":true}`), &p); status != http.StatusOK {
		t.Fatalf("preferences: %d", status)
	}

	lastWeek := func(day int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(2026, 3, 2+day, 2, 0, 0, 0, time.UTC))
	}
	assign := func(dept, item string) {
		e.publish(t, event.ForDepartment(event.TypeItemAssigned, dept), newEvent(t, event.TypeItemAssigned, &ledgerv1.ItemAssigned{
			ItemId: item, ProjectCode: projectCode, ProjectName: "城北物流园", ItemName: item, Department: dept, PromisedDays: 5}))
	}
	finish := func(dept, item string, day int) {
		e.publish(t, event.ForDepartment(event.TypeItemChanged, dept), newEvent(t, event.TypeItemChanged, &ledgerv1.ItemChanged{
			ItemId: item, ProjectCode: projectCode, ItemType: item, Department: dept, FromStatus: "accepted", ToStatus: "approved",
			ChangedAt: lastWeek(day)}))
	}
	overdue := func(dept, item string) {
		e.publish(t, event.ForDepartment(event.TypeDeadlineOverdue, dept), newEvent(t, event.TypeDeadlineOverdue, &deadlinev1.DeadlineEvent{
			Kind: "item", RefId: item, ProjectCode: projectCode, Department: dept, Level: deadlinev1.Level_LEVEL_RED}))
	}
	assign("zrzy", "i1")
	assign("wlj", "i2")
	assign("wlj", "i3")
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-item-assigned",outcome="ack"}`, 3)
	overdue("wlj", "i2")
	overdue("wlj", "i3")
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-deadline",outcome="ack"}`, 2)
	finish("zrzy", "i1", 2)
	finish("wlj", "i3", 4)
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-item-changed",outcome="ack"}`, 2)

	if in := getInbox(t, base, "recipient=dept:wlj"); len(in.Items) != 4 {
		t.Fatalf("wlj's inbox has %d entries, want 4 at once", len(in.Items))
	}
	if held := deliveries(t, base, "recipient=dept:wlj&status=digest"); len(held) != 4 {
		t.Fatalf("held for wlj's digest: %s", summary(held))
	}
	for _, m := range e.sink.mails() {
		if m.To == "ban@wlj.example" {
			t.Fatalf("wlj got an instant mail: %+v", m)
		}
	}

	// 09:00: the bulletin of 2–8 March.
	e.clock.Advance(time.Hour)
	bulletinTitle := "重点项目审批工作周通报（2026年3月2日（周一）至2026年3月8日（周日））"
	eventually(t, "the bulletin in every inbox", func() bool {
		return len(deliveries(t, base, "event=bulletin:2026-W10&channel=inbox")) == departments
	})
	in := getInbox(t, base, "recipient=dept:zrzy")
	if in.Items[0].Title != bulletinTitle ||
		!strings.Contains(in.Items[0].Body, "1. 自然资源和规划局：办结 1 件，按时办结 1 件，按时办结率 100.0%；超期未办结 0 件。") ||
		!strings.Contains(in.Items[0].Body, "2. 文化广电和旅游局：办结 1 件，按时办结 0 件，按时办结率 0.0%；超期未办结 1 件。") ||
		!strings.Contains(in.Items[0].Body, "请文化广电和旅游局等超期未办结事项较多的部门加快办理") {
		t.Fatalf("bulletin %+v", in.Items[0])
	}
	eventually(t, "the bulletin mailed to zrzy", func() bool {
		n := 0
		for _, m := range e.sink.mails() {
			if m.To == "ban@zrzy.example" && m.Subject == bulletinTitle {
				n++
			}
		}
		return n == 1
	})

	// 18:00: wlj's digest, one mail with everything held.
	e.clock.Advance(9 * time.Hour)
	eventually(t, "wlj's digest", func() bool {
		for _, m := range e.sink.mails() {
			if m.To == "ban@wlj.example" {
				return true
			}
		}
		return false
	})
	var digest []sinkMail
	for _, m := range e.sink.mails() {
		if m.To == "ban@wlj.example" {
			digest = append(digest, m)
		}
	}
	if len(digest) != 1 || digest[0].Subject != "每日汇总（2026年3月9日（周一））：共 5 条消息" || !strings.Contains(digest[0].Body, bulletinTitle) ||
		!strings.Contains(digest[0].Body, "【红灯超期】") {
		t.Fatalf("digest mails %+v", digest)
	}
	eventually(t, "held messages marked digested", func() bool {
		return len(deliveries(t, base, "recipient=dept:wlj&status=digested")) == 5 &&
			len(deliveries(t, base, "recipient=dept:wlj&status=digest")) == 0
	})

	// Later the same day and the next day: nothing goes out twice.
	before := len(e.sink.mails())
	e.clock.Advance(3 * time.Hour)
	time.Sleep(300 * time.Millisecond)
	e.clock.Advance(24 * time.Hour)
	time.Sleep(300 * time.Millisecond)
	if got := len(e.sink.mails()); got != before {
		t.Fatalf("%d mails after the digest and bulletin went out, want %d", got, before)
	}
	if got := deliveries(t, base, "event=bulletin:2026-W10&channel=inbox"); len(got) != departments {
		t.Fatalf("bulletin deliveries %d", len(got))
	}
}

// TestDailySummary: at the configured time every department gets one
// summary of its open, overdue, newly assigned and finished items.
func TestDailySummary(t *testing.T) {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	departments := len(o.Departments)
	e := newEnv(t)
	e.clock.Set(time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)) // 17:00 Beijing time
	base := e.start(t, "--summary-at=17:30")
	for _, item := range []string{"s1", "s2", "s3"} {
		e.publish(t, event.ForDepartment(event.TypeItemAssigned, "zrzy"), newEvent(t, event.TypeItemAssigned, &ledgerv1.ItemAssigned{
			ItemId: item, ProjectCode: projectCode, ItemName: item, Department: "zrzy", PromisedDays: 5}))
	}
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-item-assigned",outcome="ack"}`, 3)
	e.publish(t, event.ForDepartment(event.TypeDeadlineOverdue, "zrzy"), newEvent(t, event.TypeDeadlineOverdue, &deadlinev1.DeadlineEvent{
		Kind: "item", RefId: "s2", ProjectCode: projectCode, Department: "zrzy", Level: deadlinev1.Level_LEVEL_RED}))
	e.publish(t, event.ForDepartment(event.TypeItemChanged, "zrzy"), newEvent(t, event.TypeItemChanged, &ledgerv1.ItemChanged{
		ItemId: "s1", ProjectCode: projectCode, Department: "zrzy", FromStatus: "accepted", ToStatus: "approved",
		ChangedAt: timestamppb.New(e.clock.Now())}))
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-item-changed",outcome="ack"}`, 1)
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-deadline",outcome="ack"}`, 1)

	e.clock.Advance(30 * time.Minute)
	eventually(t, "the summaries", func() bool { return len(deliveries(t, base, "event=summary:2026-03-09&channel=inbox")) == departments })
	in := getInbox(t, base, "recipient=dept:zrzy")
	if s := in.Items[0]; s.Title != "自然资源和规划局每日办理情况（2026年3月9日（周一））：在办 2 件，超期 1 件" ||
		!strings.Contains(s.Body, "过去一天新分派 3 件，办结 1 件。") || !strings.Contains(s.Body, "请优先办理超期事项") {
		t.Fatalf("summary %+v", s)
	}
	if s := getInbox(t, base, "recipient=dept:fgw").Items[0]; !strings.HasSuffix(s.Title, "在办 0 件，超期 0 件") || strings.Contains(s.Body, "优先办理") {
		t.Fatalf("fgw's summary %+v", s)
	}
	e.clock.Advance(time.Hour)
	time.Sleep(300 * time.Millisecond)
	if got := deliveries(t, base, "event=summary:2026-03-09&channel=inbox"); len(got) != departments {
		t.Fatalf("%d summaries after another hour", len(got))
	}
}
