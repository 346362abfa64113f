package notification

import (
	"testing"
	"time"
)

// followUpGoldens are the notices of the follow-up clocks' templates that
// TestTemplatesGolden renders, addressed as the department reads them.
func followUpGoldens(code string, due time.Time, item string) map[string]Notice {
	p := Project{Code: code, Name: "港口物流中心", Officer: "wangfang"}
	alert := func(eventType, kind string, level int) DeadlineAlert {
		return DeadlineAlert{EventID: "e", EventType: eventType, Kind: kind, RefID: "i", ProjectCode: code,
			Department: "zrzy", Level: level, DueAt: due}
	}
	return map[string]Notice{
		TplSupplementWarning: FollowUpNotice(alert("tuijin.deadline.supplement.warning", "supplement", LevelYellow), testNames, item, p),
		TplSupplementMissed:  FollowUpNotice(alert("tuijin.deadline.supplement.missed", "supplement", LevelRed), testNames, item, p),
		TplCheckWarning:      FollowUpNotice(alert("tuijin.deadline.check.warning", "check", LevelYellow), testNames, item, p),
		TplCheckDue:          FollowUpNotice(alert("tuijin.deadline.check.due", "check", LevelRed), testNames, item, p),
	}
}

// A follow-up reaches the department and the project's officer, each
// greeted as such, and never the department's leader: the owner's lateness
// is not the department's to answer for. Without a known officer it still
// reaches the department; without known names it uses the clock's.
func TestFollowUpNoticeAddressesDepartmentAndOfficer(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	code := "2026-370481-04-01-123456"
	due := time.Date(2026, 12, 9, 16, 0, 0, 0, time.UTC)
	d := DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.supplement.missed", Kind: "supplement", RefID: "i",
		ProjectCode: code, Department: "zrzy", Level: LevelRed, DueAt: due}
	if !d.IsFollowUp() || (DeadlineAlert{EventType: "tuijin.deadline.overdue"}).IsFollowUp() {
		t.Fatal("IsFollowUp does not tell the follow-up events from the department's own")
	}
	n := FollowUpNotice(d, testNames, "用地预审与选址意见书", Project{Code: code, Name: "港口物流中心", Officer: "wangfang"})
	if len(n.To) != 2 || n.To[0].Recipient != "dept:zrzy" || n.To[1].Recipient != "officer:wangfang" {
		t.Fatalf("addressees %+v, want dept:zrzy and officer:wangfang", n.To)
	}
	for i, want := range []string{"自然资源和规划局：", "推进专员："} {
		_, body, err := tpl.Render(n.Template, n.For(n.To[i]))
		if err != nil {
			t.Fatal(err)
		}
		if len(body) < len(want) || body[:len(want)] != want {
			t.Errorf("%s reads %q, want it to open with %q", n.To[i].Recipient, body, want)
		}
	}
	d.Title, d.ProjectName = "建设用地规划许可证", "城东片区改造"
	n = FollowUpNotice(d, testNames, "", Project{})
	if len(n.To) != 1 || n.Data["Heading"] != "城东片区改造 · 建设用地规划许可证" {
		t.Errorf("without projections: to %+v heading %v", n.To, n.Data["Heading"])
	}
}
