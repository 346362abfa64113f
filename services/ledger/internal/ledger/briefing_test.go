package ledger

import (
	"slices"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// briefAt is a time in the week of Monday 2026-11-23 (day 0), Beijing.
func briefAt(day int) time.Time { return time.Date(2026, 11, 23+day, 10, 0, 0, 0, workday.Zone) }

func ptr(t time.Time) *time.Time { return &t }

func briefProjects() []Project {
	due := func(day int) *time.Time { return ptr(workday.Day(briefAt(day)).AddDate(0, 0, 1)) } // end of that day
	p1 := Project{ProjectInfo: ProjectInfo{Code: "P1", Name: "一号项目", Stage: StageStarted},
		Progress: []ProgressEntry{
			{At: briefAt(-7), Stage: StageApproving, ImageProgress: "场地平整"},
			{At: briefAt(1), From: StageApproving, Stage: StageStarted, Override: "先行开工"},
		},
		Items: []Item{
			{ID: "P1.a", Name: "甲", Department: "d1", Status: StatusApproved, AssignedAt: ptr(briefAt(-3)), CompletedAt: ptr(briefAt(0)), Due: due(2)},
			{ID: "P1.b", Name: "乙", Department: "d1", Status: StatusApproved, AssignedAt: ptr(briefAt(-10)), CompletedAt: ptr(briefAt(2)), Due: due(-1)},
			{ID: "P1.c", Name: "丙", Department: "d2", Status: StatusAccepted, AssignedAt: ptr(briefAt(-20)), Due: due(-4)},
			{ID: "P1.d", Name: "丁", Department: "d2", Status: StatusAssigned, AssignedAt: ptr(briefAt(-1)), Due: due(20)},
			{ID: "P1.e", Name: "戊", Department: "d1", Status: StatusApproved, AssignedAt: ptr(briefAt(-30)), CompletedAt: ptr(briefAt(-6)), Due: due(-7)},
			{ID: "P1.f", Name: "己", Department: "d1", Status: StatusSupplement, AssignedAt: ptr(briefAt(-10)), Due: due(0)},
		},
		Problems: []Problem{
			{ID: "P1.p1", Title: "征地未完成", Department: "d2", Status: ProblemInProgress, History: []ProblemEntry{
				{At: briefAt(-2), Escalation: "none"}, {At: briefAt(1), Escalation: "supervise"}, {At: briefAt(3), Escalation: "interview"},
			}, Measures: []Measure{{At: briefAt(4), Text: "会议决定：自规局十日内完成", Source: "meeting:m1/e1"}, {At: briefAt(4), Text: "电话催办"}}},
			{ID: "P1.p2", Title: "早已督办", Department: "d1", Status: ProblemOpen, History: []ProblemEntry{
				{At: briefAt(-9), Escalation: "supervise"}, {At: briefAt(2), Escalation: "supervise", Note: "仍在督办"},
			}},
		},
	}
	p2 := Project{ProjectInfo: ProjectInfo{Code: "P2", Name: "二号项目", Stage: StageApproving}}
	return []Project{p1, p2}
}

func briefForecasts() []Forecast {
	plan := DateOf(briefAt(30))
	step := func(dept string, delay int) Step { return Step{Department: dept, DelayDays: delay} }
	return []Forecast{
		{Project: "P2", PlannedStart: &plan, Late: true, LateDays: 8, Light: LightYellow, Median: Run{Date: DateOf(briefAt(40)),
			CriticalPath: []Step{step("d1", 5), step("d2", 1), step("d2", 2), step("d3", 0)}}, P80: Run{Date: DateOf(briefAt(45))}},
		{Project: "P1", Median: Run{CriticalPath: []Step{step("d2", 4)}}},
		{Project: "P3", Done: true, PlannedStart: &plan, Late: true, LateDays: 2, Median: Run{CriticalPath: []Step{step("d1", 9)}}},
	}
}

func TestBriefWeekly(t *testing.T) {
	from, to := WeekOf(briefAt(3))
	now := briefAt(10) // the week is over: red as of its end
	b := Brief(BriefingWeekly, "2026-11-23", from, to, briefProjects(), briefForecasts(), workday.Weekends{}, now)
	if b.From.String() != "2026-11-23" || b.To.String() != "2026-11-29" || b.AsOf.String() != "2026-12-03" {
		t.Errorf("period %s–%s as of %s", b.From, b.To, b.AsOf)
	}
	if len(b.Started) != 1 || b.Started[0].Code != "P1" || b.Started[0].On.String() != "2026-11-24" || b.Started[0].Override != "先行开工" {
		t.Errorf("started %+v", b.Started)
	}
	if b.ItemsFinished != 2 {
		t.Errorf("items finished %d, want 2 (戊 was approved the week before)", b.ItemsFinished)
	}
	var red []string
	for _, r := range b.RedItems {
		red = append(red, r.Item)
	}
	// 丙's last day 11-19, overdue 11-20 and 11-23..27; 己's 11-23, overdue 11-24..27; 丁 is not due.
	if !slices.Equal(red, []string{"P1.c", "P1.f"}) || b.RedItems[0].OverdueDays != 6 || b.RedItems[0].LastDay.String() != "2026-11-19" ||
		b.RedItems[1].OverdueDays != 4 {
		t.Errorf("red %+v", b.RedItems)
	}
	depts := map[string]BriefingDepartment{}
	for _, d := range b.Departments {
		depts[d.Department] = d
	}
	if d := depts["d1"]; d.Completed != 2 || d.CompletedOnTime != 1 || d.OnTimeRate != 0.5 || d.Approved != 2 || d.Red != 1 || d.CriticalDelayDays != 5 {
		t.Errorf("d1 %+v", d)
	}
	if d := depts["d2"]; d.Completed != 0 || d.Red != 1 || d.PendingNow != 2 || d.CriticalDelayDays != 7 {
		t.Errorf("d2 %+v", d)
	}
	if len(b.Escalated) != 1 || b.Escalated[0].Problem != "P1.p1" || b.Escalated[0].Escalation != "interview" {
		t.Errorf("escalated %+v; want P1.p1 at interview (P1.p2 stayed at supervise)", b.Escalated)
	}
	if len(b.Decisions) != 1 || b.Decisions[0].Source != "meeting:m1/e1" {
		t.Errorf("decisions %+v", b.Decisions)
	}
	if len(b.LateProjects) != 1 || b.LateProjects[0].Code != "P2" || b.LateProjects[0].Name != "二号项目" || b.LateProjects[0].LateDays != 8 ||
		!slices.Equal(b.LateProjects[0].Delays, []Delay{{"d1", 5}, {"d2", 3}}) {
		t.Errorf("late %+v", b.LateProjects)
	}
	want := []CriticalDelay{{Department: "d2", DelayDays: 7, Projects: 2, LateProjects: 1}, {Department: "d1", DelayDays: 5, Projects: 1, LateProjects: 1}}
	if !slices.Equal(b.CriticalDelays, want) {
		t.Errorf("critical delays %+v, want %+v (a done forecast counts no more)", b.CriticalDelays, want)
	}
}

func TestBriefPeriods(t *testing.T) {
	ps := briefProjects()
	// The week before: 戊 finished, nothing started; red as of now, mid-week.
	from, to := WeekOf(briefAt(-5))
	b := Brief(BriefingWeekly, "2026-11-16", from, to, ps, nil, workday.Weekends{}, briefAt(-5))
	if b.ItemsFinished != 1 || len(b.Started) != 0 || len(b.Escalated) != 0 || len(b.RedItems) != 0 {
		t.Errorf("week before: finished %d, started %v, escalated %v, red %v", b.ItemsFinished, b.Started, b.Escalated, b.RedItems)
	}
	if len(b.LateProjects) != 0 || len(b.CriticalDelays) != 0 || b.Decisions == nil {
		t.Errorf("no forecasts: late %v, delays %v", b.LateProjects, b.CriticalDelays)
	}
	// The month holds both weeks.
	mfrom, mto, err := ParseMonth("2026-11")
	if err != nil {
		t.Fatal(err)
	}
	m := Brief(BriefingMonthly, "2026-11", mfrom, mto, ps, nil, workday.Weekends{}, briefAt(30))
	if m.ItemsFinished != 3 || len(m.Started) != 1 || m.To.String() != "2026-11-30" {
		t.Errorf("month: finished %d, started %v, to %s", m.ItemsFinished, m.Started, m.To)
	}
	// Nothing at all is an empty briefing, not a nil one.
	e := Brief(BriefingMonthly, "2026-11", mfrom, mto, nil, nil, workday.Weekends{}, briefAt(30))
	if e.Departments == nil || e.RedItems == nil || e.Started == nil || e.LateProjects == nil {
		t.Errorf("empty briefing %+v", e)
	}
}
