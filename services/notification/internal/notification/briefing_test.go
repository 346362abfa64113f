package notification

import (
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

func TestBriefingNoticeReachesEveryLeader(t *testing.T) {
	first := time.Date(2026, 11, 30, 0, 0, 0, 0, CST)
	b := LeaderBriefing{EventID: "briefing-weekly-2026-11-30", Kind: BriefingWeekly, Period: "2026-11-30",
		First: first, Last: first.AddDate(0, 0, 6), AsOf: first.AddDate(0, 0, 7),
		CriticalDelays: []CriticalDelay{{Department: "a1", DelayDays: 9}, {Department: "a2", DelayDays: 8}, {Department: "a3", DelayDays: 7},
			{Department: "a4", DelayDays: 6}, {Department: "a5", DelayDays: 5}, {Department: "a6", DelayDays: 4}}}
	n := BriefingNotice(b, []string{"fgw", "zrzy"}, testNames)
	var to []string
	for _, a := range n.To {
		to = append(to, a.Recipient)
	}
	if got := strings.Join(to, " "); got != "leader:fgw leader:zrzy role:supervisor role:secretary" || n.EventID != b.EventID {
		t.Fatalf("notice %s to %s", n.EventID, got)
	}
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := tpl.Render(n.Template, n.For(n.To[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "5. a5：5 个工作日") || strings.Contains(body, "a6") || strings.Contains(body, "预计开工滞后最多的项目") {
		t.Errorf("the summary shows the top five delays and no late projects when there are none:\n%s", body)
	}
}

func TestBriefingValidate(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, CST)
	good := LeaderBriefing{EventID: "e", Kind: BriefingMonthly, Period: "2026-11", First: day, Last: day.AddDate(0, 0, 29)}
	for _, c := range []struct {
		name  string
		mod   func(*LeaderBriefing)
		field string
	}{
		{"valid", func(*LeaderBriefing) {}, ""},
		{"unknown kind", func(b *LeaderBriefing) { b.Kind = "daily" }, "kind"},
		{"no period", func(b *LeaderBriefing) { b.Period = "" }, "period"},
		{"no days", func(b *LeaderBriefing) { b.First = time.Time{} }, "first_day"},
		{"days out of order", func(b *LeaderBriefing) { b.Last = b.First.AddDate(0, 0, -1) }, "first_day"},
	} {
		b := good
		c.mod(&b)
		err := b.Validate()
		e, ok := apperr.As(err)
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field != "" && (!ok || e.Field != c.field || e.Kind != apperr.KindInvalid):
			t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
		}
	}
}

func TestBulletinRanksByCriticalDelay(t *testing.T) {
	from := time.Date(2026, 11, 30, 0, 0, 0, 0, CST)
	rows := []BulletinRow{{Department: "fgw", Name: "发展和改革局", Completed: 2, OnTime: 2, Rate: "100.0%"},
		{Department: "zrzy", Name: "自然资源和规划局", Completed: 1, OnTime: 1, Rate: "100.0%"}}
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	render := func(n Notice) string {
		t.Helper()
		_, body, err := tpl.Render(n.Template, n.For(n.To[0]))
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	plain := BulletinNotice(rows, from)
	if body := render(plain); strings.Contains(body, "关键路径") {
		t.Errorf("a bulletin without a briefing's ranking shows one:\n%s", body)
	}
	// Departments that put no delay on a path are not ranked for it.
	none := WithCriticalDelays(plain, CriticalDelays{AsOf: from, Rows: []CriticalDelay{{Department: "fgw"}}}, testNames)
	if body := render(none); strings.Contains(body, "关键路径") {
		t.Errorf("a ranking of no delay shows:\n%s", body)
	}
	n := WithCriticalDelays(plain, CriticalDelays{AsOf: from, Rows: []CriticalDelay{
		{Department: "zrzy", DelayDays: 7, Projects: 2, LateProjects: 1}, {Department: "fgw"}}}, testNames)
	body := render(n)
	if !strings.Contains(body, "1. 自然资源和规划局：延误 7 个工作日，涉及 2 个项目，其中 1 个预计晚于计划开工。") || strings.Contains(body, "2. 发展和改革局：延误") {
		t.Errorf("critical-delay ranking:\n%s", body)
	}
	if plain.Data["Delays"] != nil {
		t.Error("WithCriticalDelays changed the notice it was given")
	}
}
