package notification

import (
	"strings"
	"testing"
	"time"
)

func TestBulletinRanksDepartments(t *testing.T) {
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, CST)
	at := func(d int) *time.Time { x := from.AddDate(0, 0, d); return &x }
	stats := []ItemStat{
		{ItemID: "a1", Department: "zrzy", CompletedAt: at(2)},
		{ItemID: "a2", Department: "zrzy", CompletedAt: at(3), Overdue: true},
		{ItemID: "b1", Department: "fgw", CompletedAt: at(1)},
		{ItemID: "b2", Department: "fgw", Overdue: true},
		{ItemID: "c1", Department: "sthj", CompletedAt: at(4)},
		{ItemID: "c2", Department: "sthj", CompletedAt: at(-1)},               // the week before: not counted
		{ItemID: "c3", Department: "sthj", CompletedAt: at(7), Overdue: true}, // the week after
		{ItemID: "d1", Department: "rfb", Overdue: true},
		{ItemID: "d2", Department: "rfb", Overdue: true, Withdrawn: true},                     // taken back: not owed
		{ItemID: "d3", Department: "slj", CompletedAt: at(2), Overdue: true, Withdrawn: true}, // nor counted
		{ItemID: "x", Department: "unknown", Overdue: true},
	}
	rows := Bulletin(stats, []string{"fgw", "zrzy", "sthj", "rfb", "slj"}, from, from.AddDate(0, 0, 7), testNames)
	var got []string
	for _, r := range rows {
		got = append(got, r.Department+":"+r.Rate+":"+string(rune('0'+r.OverdueOpen)))
	}
	if want := "sthj:100.0%:0 fgw:100.0%:1 zrzy:50.0%:0 slj:—:0 rfb:—:1"; strings.Join(got, " ") != want {
		t.Fatalf("ranking %v, want %s", got, want)
	}
	n := BulletinNotice(rows, from)
	if n.EventID != "bulletin:2026-W10" || len(n.To) != 5 || n.To[0].Recipient != "dept:sthj" {
		t.Fatalf("notice %+v", n)
	}
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	title, body, err := tpl.Render(n.Template, n.For(n.To[0]))
	if err != nil {
		t.Fatal(err)
	}
	if title != "重点项目审批工作周通报（2026年3月2日（周一）至2026年3月8日（周日））" {
		t.Errorf("title %q", title)
	}
	for _, want := range []string{"1. sthj：办结 1 件，按时办结 1 件，按时办结率 100.0%；超期未办结 0 件。",
		"3. 自然资源和规划局：办结 2 件，按时办结 1 件，按时办结率 50.0%", "请rfb、发展和改革局等超期未办结事项较多的部门加快办理"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

func TestBulletinFollowsTheItemStatus(t *testing.T) {
	for _, c := range []struct {
		from, to                     string
		finished, withdrawn, reopens bool
	}{
		{from: "accepted", to: "approved", finished: true},
		{from: "accepted", to: "rejected", finished: true},
		{from: "supplement", to: "withdrawn", withdrawn: true},
		{from: "rejected", to: "assigned", reopens: true},
		{from: "withdrawn", to: "assigned", reopens: true},
		{from: "approved", to: "rejected", finished: true},
		{from: "assigned", to: "accepted"},
		{from: "accepted", to: "supplement"},
		{from: "suspended", to: "accepted"},
	} {
		if got := Finished(c.to); got != c.finished {
			t.Errorf("Finished(%s) = %v", c.to, got)
		}
		if got := Withdrawn(c.to); got != c.withdrawn {
			t.Errorf("Withdrawn(%s) = %v", c.to, got)
		}
		if got := Reopened(c.from, c.to); got != c.reopens {
			t.Errorf("Reopened(%s → %s) = %v", c.from, c.to, got)
		}
	}
}

func TestStatusNamesCoverTheLedger(t *testing.T) {
	for _, s := range []string{"waiting", "assigned", "accepted", "supplement", "suspended", "approved", "rejected", "withdrawn"} {
		if n := statusName(s); n == "" || n == s || n == "未知" {
			t.Errorf("status %s reads %q", s, n)
		}
	}
}

func TestWeekStartAndDue(t *testing.T) {
	for in, want := range map[time.Time]time.Time{
		time.Date(2026, 3, 4, 12, 0, 0, 0, CST):      time.Date(2026, 3, 2, 0, 0, 0, 0, CST),
		time.Date(2026, 3, 8, 23, 59, 0, 0, CST):     time.Date(2026, 3, 2, 0, 0, 0, 0, CST),
		time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC): time.Date(2026, 3, 2, 0, 0, 0, 0, CST), // Monday 01:00 in Beijing
	} {
		if got := WeekStart(in); !got.Equal(want) {
			t.Errorf("WeekStart(%v) = %v, want %v", in, got, want)
		}
	}
	at := time.Date(2026, 3, 2, 18, 0, 0, 0, CST)
	if !due(at, "18:00") || due(at, "18:01") || due(at, "off") || due(at, "") {
		t.Error("due")
	}
}
