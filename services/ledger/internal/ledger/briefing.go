package ledger

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Briefing kinds: the leaders' weekly and monthly briefing (简报).
const (
	BriefingWeekly  = "weekly"
	BriefingMonthly = "monthly"
)

// Briefing is the leaders' briefing (简报) of a period: what started and
// finished in it, how the departments kept their limits, what stands red at
// its end, which problems went up the ladder and what the meetings
// decided, and, as of today, which projects are forecast to start late and
// which departments' delays set those dates.
type Briefing struct {
	Kind   string `json:"kind"`
	Period string `json:"period"` // the week's Monday (2026-11-23) or the month (2026-11)
	From   Date   `json:"from"`
	To     Date   `json:"to"` // the period's last day
	AsOf   Date   `json:"as_of"`
	// Started are the projects that reached 开工 in the period.
	Started []StartedProject `json:"projects_started"`
	// ItemsFinished counts the items approved (办结) in the period.
	ItemsFinished int                  `json:"items_finished"`
	Departments   []BriefingDepartment `json:"departments"`
	// RedItems are pending past their limit at the period's end (or now),
	// most overdue first.
	RedItems  []RedItem          `json:"red_items"`
	Escalated []EscalatedProblem `json:"problems_escalated"`
	// Decisions are the meetings' decisions written back to problems.
	Decisions []Decision `json:"decisions"`
	// LateProjects are forecast to start after their planned start, the
	// latest first; CriticalDelays rank the departments by the working days
	// beyond their promised limits they put on the projects' critical paths.
	LateProjects   []LateProject   `json:"late_projects"`
	CriticalDelays []CriticalDelay `json:"critical_delays"`
}

// StartedProject is a project that reached 开工 in the period.
type StartedProject struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	On       Date   `json:"on"`
	Override string `json:"override_reason,omitempty"`
}

// BriefingDepartment is a department's period: the monthly figures over the
// period, items approved, red items now, and critical-path delay.
type BriefingDepartment struct {
	DepartmentStats
	Approved          int `json:"items_approved"`
	Red               int `json:"red_items"`
	CriticalDelayDays int `json:"critical_delay_days"`
}

// RedItem is an item past its limit (红灯).
type RedItem struct {
	Project     string `json:"project"`
	ProjectName string `json:"project_name"`
	Item        string `json:"item"`
	ItemName    string `json:"item_name"`
	Department  string `json:"department"`
	LastDay     Date   `json:"last_day"`
	OverdueDays int    `json:"overdue_working_days"`
}

// EscalatedProblem is a problem raised up the ladder in the period, at the
// highest level it reached.
type EscalatedProblem struct {
	Project     string        `json:"project"`
	ProjectName string        `json:"project_name"`
	Problem     string        `json:"problem"`
	Title       string        `json:"title"`
	Department  string        `json:"department"`
	Escalation  string        `json:"escalation"`
	At          time.Time     `json:"at"`
	Status      ProblemStatus `json:"status"`
}

// Decision is a meeting's decision recorded on a problem.
type Decision struct {
	Project     string    `json:"project"`
	ProjectName string    `json:"project_name"`
	Problem     string    `json:"problem"`
	Title       string    `json:"title"`
	Department  string    `json:"department"`
	Text        string    `json:"text"`
	Source      string    `json:"source"`
	At          time.Time `json:"at"`
}

// LateProject is a project forecast to start after its planned start.
type LateProject struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	PlannedStart Date    `json:"planned_start"`
	Forecast     Date    `json:"forecast"`
	ForecastP80  Date    `json:"forecast_p80"`
	LateDays     int     `json:"late_days"`
	CriticalPath []Step  `json:"critical_path"`
	Delays       []Delay `json:"delays"`
}

// Delay is the working days a department puts on a critical path beyond
// its promised limits.
type Delay struct {
	Department string `json:"department"`
	DelayDays  int    `json:"delay_days"`
}

// CriticalDelay is a department's delay over every open forecast's
// critical path (median): the days, on how many paths, how many of them late.
type CriticalDelay struct {
	Department   string `json:"department"`
	DelayDays    int    `json:"delay_days"`
	Projects     int    `json:"projects"`
	LateProjects int    `json:"late_projects"`
}

// WeekOf is the week (Monday to Monday in Zone) containing day.
func WeekOf(day time.Time) (from, to time.Time) {
	d := workday.Day(day)
	from = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	return from, from.AddDate(0, 0, 7)
}

// Brief builds the briefing of [from, to) over ps and their forecasts fs
// (as of now).
func Brief(kind, period string, from, to time.Time, ps []Project, fs []Forecast, cal workday.Calendar, now time.Time) Briefing {
	cut := to
	if now.Before(cut) {
		cut = now
	}
	b := Briefing{Kind: kind, Period: period, From: DateOf(from), To: DateOf(to.AddDate(0, 0, -1)), AsOf: DateOf(now),
		Started: []StartedProject{}, RedItems: []RedItem{}, Escalated: []EscalatedProblem{}, Decisions: []Decision{},
		LateProjects: []LateProject{}, CriticalDelays: []CriticalDelay{}}
	stats := departmentStats(ps, from, to, cal)
	approved, red := map[string]int{}, map[string]int{}
	names := map[string]string{}
	for _, p := range ps {
		names[p.Code] = p.Name
		for _, e := range p.Progress {
			if within(&e.At, from, to) && e.From != "" && stageRank(e.From) < stageRank(StageStarted) && stageRank(e.Stage) >= stageRank(StageStarted) {
				b.Started = append(b.Started, StartedProject{Code: p.Code, Name: p.Name, On: DateOf(e.At), Override: e.Override})
			}
		}
		for _, it := range p.Items {
			if it.Status == StatusApproved && within(it.CompletedAt, from, to) {
				b.ItemsFinished++
				approved[it.Department]++
			}
			if it.Status.Pending() && it.Due != nil && it.Due.Before(cut) {
				red[it.Department]++
				b.RedItems = append(b.RedItems, RedItem{Project: p.Code, ProjectName: p.Name, Item: it.ID, ItemName: it.Name,
					Department: it.Department, LastDay: DateOf(it.Due.Add(-time.Second)), OverdueDays: workday.Count(cal, *it.Due, cut)})
			}
		}
		for _, pr := range p.Problems {
			if e, ok := escalatedIn(pr, from, to); ok {
				b.Escalated = append(b.Escalated, EscalatedProblem{Project: p.Code, ProjectName: p.Name, Problem: pr.ID,
					Title: pr.Title, Department: pr.Department, Escalation: e.Escalation, At: e.At, Status: pr.Status})
			}
			for _, m := range pr.Measures {
				if strings.HasPrefix(m.Source, "meeting:") && within(&m.At, from, to) {
					b.Decisions = append(b.Decisions, Decision{Project: p.Code, ProjectName: p.Name, Problem: pr.ID,
						Title: pr.Title, Department: pr.Department, Text: m.Text, Source: m.Source, At: m.At})
				}
			}
		}
	}
	delays := criticalDelays(fs)
	for _, f := range fs {
		if !f.Late || f.PlannedStart == nil || f.Done { // a permit granted late is history, not a forecast
			continue
		}
		b.LateProjects = append(b.LateProjects, LateProject{Code: f.Project, Name: names[f.Project], PlannedStart: *f.PlannedStart,
			Forecast: f.Median.Date, ForecastP80: f.P80.Date, LateDays: f.LateDays, CriticalPath: f.Median.CriticalPath,
			Delays: pathDelays(f.Median.CriticalPath)})
	}
	byDept := map[string]int{}
	for _, d := range delays {
		byDept[d.Department] = d.DelayDays
		b.CriticalDelays = append(b.CriticalDelays, d)
	}
	for _, s := range stats {
		b.Departments = append(b.Departments, BriefingDepartment{DepartmentStats: s, Approved: approved[s.Department],
			Red: red[s.Department], CriticalDelayDays: byDept[s.Department]})
	}
	if b.Departments == nil {
		b.Departments = []BriefingDepartment{}
	}
	sort.SliceStable(b.Started, func(i, j int) bool { return b.Started[i].On.Before(b.Started[j].On.Time) })
	sort.SliceStable(b.RedItems, func(i, j int) bool {
		if b.RedItems[i].OverdueDays != b.RedItems[j].OverdueDays {
			return b.RedItems[i].OverdueDays > b.RedItems[j].OverdueDays
		}
		return b.RedItems[i].Item < b.RedItems[j].Item
	})
	sort.SliceStable(b.Escalated, func(i, j int) bool { return b.Escalated[i].At.Before(b.Escalated[j].At) })
	sort.SliceStable(b.Decisions, func(i, j int) bool { return b.Decisions[i].At.Before(b.Decisions[j].At) })
	sort.SliceStable(b.LateProjects, func(i, j int) bool {
		if b.LateProjects[i].LateDays != b.LateProjects[j].LateDays {
			return b.LateProjects[i].LateDays > b.LateProjects[j].LateDays
		}
		return b.LateProjects[i].Code < b.LateProjects[j].Code
	})
	return b
}

// escalatedIn is the highest escalation a problem was raised to in [from,
// to): an entry whose level is above the one before it (none before the
// first).
func escalatedIn(pr Problem, from, to time.Time) (ProblemEntry, bool) {
	var best ProblemEntry
	found, prev := false, 0
	for _, e := range pr.History {
		level := slices.Index(Escalations, e.Escalation)
		if level > prev && within(&e.At, from, to) && (!found || level >= slices.Index(Escalations, best.Escalation)) {
			best, found = e, true
		}
		prev = max(level, 0)
	}
	return best, found
}

// pathDelays sums a path's delay days by department, largest first.
func pathDelays(path []Step) []Delay {
	sum := map[string]int{}
	for _, s := range path {
		if s.DelayDays > 0 {
			sum[s.Department] += s.DelayDays
		}
	}
	out := make([]Delay, 0, len(sum))
	for d, n := range sum {
		out = append(out, Delay{Department: d, DelayDays: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DelayDays != out[j].DelayDays {
			return out[i].DelayDays > out[j].DelayDays
		}
		return out[i].Department < out[j].Department
	})
	return out
}

// criticalDelays ranks the departments by the delay they put on the median
// critical paths of the forecasts not yet done.
func criticalDelays(fs []Forecast) []CriticalDelay {
	by := map[string]*CriticalDelay{}
	for _, f := range fs {
		if f.Done {
			continue
		}
		for _, d := range pathDelays(f.Median.CriticalPath) {
			c := by[d.Department]
			if c == nil {
				c = &CriticalDelay{Department: d.Department}
				by[d.Department] = c
			}
			c.DelayDays += d.DelayDays
			c.Projects++
			if f.Late {
				c.LateProjects++
			}
		}
	}
	out := make([]CriticalDelay, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DelayDays != out[j].DelayDays {
			return out[i].DelayDays > out[j].DelayDays
		}
		return out[i].Department < out[j].Department
	})
	return out
}
