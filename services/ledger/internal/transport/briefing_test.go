package transport

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

func sampleBriefing() ledger.Briefing {
	day := func(d int) ledger.Date { return ledger.DateOf(time.Date(2026, 11, 23+d, 10, 0, 0, 0, workday.Zone)) }
	return ledger.Briefing{Kind: ledger.BriefingWeekly, Period: "2026-11-23", From: day(0), To: day(6), AsOf: day(9),
		Started:       []ledger.StartedProject{{Code: "P1", Name: "一号|项目", On: day(1), Override: "先行开工"}},
		ItemsFinished: 3,
		Departments: []ledger.BriefingDepartment{{DepartmentStats: ledger.DepartmentStats{Department: "zrzy", Completed: 2,
			CompletedOnTime: 1, OnTimeRate: 0.5, PendingNow: 4}, Red: 1, CriticalDelayDays: 15}},
		RedItems: []ledger.RedItem{{Project: "P1", ProjectName: "一号|项目", Item: "P1.a", ItemName: "用地预审\n与选址",
			Department: "zrzy", LastDay: day(-4), OverdueDays: 6}},
		Escalated: []ledger.EscalatedProblem{{Project: "P1", ProjectName: "一号|项目", Problem: "P1.p1", Title: "征地未完成",
			Department: "zrzy", Escalation: "interview", At: day(3).Time, Status: ledger.ProblemInProgress}},
		Decisions: []ledger.Decision{},
		LateProjects: []ledger.LateProject{{Code: "P2", Name: "二号项目", PlannedStart: day(30), Forecast: day(40), ForecastP80: day(45),
			LateDays: 8, CriticalPath: []ledger.Step{{Name: "用地预审"}, {Name: "施工许可"}}, Delays: []ledger.Delay{{Department: "zrzy", DelayDays: 15}}}},
		CriticalDelays: []ledger.CriticalDelay{{Department: "zrzy", DelayDays: 15, Projects: 2, LateProjects: 1}},
	}
}

func names(code string) string {
	if code == "zrzy" {
		return "自然资源和规划局"
	}
	return code
}

func TestBriefingMarkdown(t *testing.T) {
	md := string(BriefingMarkdown(sampleBriefing(), names))
	for _, want := range []string{
		"# 重点项目审批服务简报（周报）",
		"统计期间：2026年11月23日至2026年11月29日　　开工预测截至：2026年12月2日",
		"## 一、本期开工项目（1个）",
		"| 一号\\|项目 | P1 | 2026年11月24日 | 未取得施工许可先行开工：先行开工 |",
		"本期办结审批事项3件。",
		"| 自然资源和规划局 | 2 | 1 | 50.0% | 4 | 1 | 15 |",
		"| 一号\\|项目 | 用地预审 与选址 | 自然资源和规划局 | 2026年11月19日 | 6 |",
		"| 一号\\|项目 | 征地未完成 | 自然资源和规划局 | 约谈 | 2026年11月26日 |",
		"## 六、会议决定事项（0项）\n\n（无）",
		"| 二号项目 | 2026年12月23日 | 2027年1月2日 | 2027年1月7日 | 8 | 用地预审 → 施工许可 | 自然资源和规划局 15 |",
		"| 1 | 自然资源和规划局 | 15 | 2 | 1 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
	// Every row of a table has its header's columns: escaped separators
	// and line breaks inside a cell do not split it.
	cols := 0
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(line, "|") - strings.Count(line, "\\|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("line %d has %d separators, its table %d: %s", i+1, n, cols, line)
		}
	}
}

func TestBriefingXLSXReadsBack(t *testing.T) {
	b, err := BriefingXLSX(sampleBriefing(), names)
	if err != nil {
		t.Fatal(err)
	}
	testenv.CheckSheetRanges(t, b)
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	want := []string{BriefingSummarySheet, BriefingDeptSheet, BriefingRedSheet, BriefingProblemSheet, BriefingLateSheet, BriefingDelaySheet}
	if got := x.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	if got := dateCell(t, x, BriefingSummarySheet, "B3"); got != "2026-11-23" {
		t.Errorf("统计起日 %s", got)
	}
	if got := dateCell(t, x, BriefingRedSheet, "E2"); got != "2026-11-19" {
		t.Errorf("办结时限 %s", got)
	}
	if got := dateCell(t, x, BriefingLateSheet, "D2"); got != "2027-01-02" {
		t.Errorf("预计取得施工许可 %s", got)
	}
	rate, _ := x.GetCellValue(BriefingDeptSheet, "E2")
	raw, _ := x.GetCellValue(BriefingDeptSheet, "E2", excelize.Options{RawCellValue: true})
	if rate != "50.0%" || raw != "0.5" {
		t.Errorf("on-time rate shows %q (raw %q), want 50.0%% of 0.5", rate, raw)
	}
	if typ, _ := x.GetCellType(BriefingDelaySheet, "C2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("delay days are of type %v, want a number", typ)
	}
	rows, _ := x.GetRows(BriefingRedSheet)
	if len(rows) != 2 || strings.Join(rows[0], ",") != "项目,项目代码,事项,承办部门,办结时限,超期工作日" || rows[1][3] != "自然资源和规划局" {
		t.Errorf("red items %v", rows)
	}
}
