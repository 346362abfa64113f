package ledger

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// The start-date forecast (预计开工日): when the construction permit
// (施工许可) will be approved, from what is left of the project's
// prerequisite graph and how long each department really takes.
//
// Every item gets a day it is forecast done:
//   - an approved item is done on the day it was approved;
//   - an item under way (assigned, accepted, supplement, suspended) needs
//     what is left of its expected time: the expected working days minus
//     those since its assignment, at least none (done today, or on the next
//     working day when today is off);
//   - any other item (waiting, planned, rejected or withdrawn, which must
//     be resubmitted) starts on the day its last prerequisite is forecast
//     done, today at the earliest, and takes its expected time from there,
//     the day it starts not counted (开始的当日不计入), as due dates count.
//
// The expected time of an item is its department's measured median (or p80)
// handling time once the department has MinSamples approved items in the
// history, and the item's promised days otherwise (HandlingTimes.days).
// The critical path is the chain that sets the permit's day: from the
// permit back through the prerequisite forecast done last, to an item
// with no prerequisite or one already under way or approved.

// ErrForecast is in the chain of a forecast the ledger's data cannot give:
// no construction permit, or a prerequisite graph that does not hold.
var ErrForecast = errors.New("no forecast")

// Step is one item of a critical path.
type Step struct {
	Item       string `json:"item"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	Department string `json:"department"`
	Status     Status `json:"status"`
	// Start is the day the item was or is forecast assigned, Done the day
	// it was or is forecast approved.
	Start Date `json:"start"`
	Done  Date `json:"done"`
	// Days are the working days the item takes, measured or expected;
	// DelayDays those beyond its promised days, which the department adds
	// to the path.
	Days         int    `json:"days"`
	PromisedDays int    `json:"promised_days"`
	DelayDays    int    `json:"delay_days"`
	Source       string `json:"source"`
}

// Run is the forecast with one estimate of the handling times: the day the
// permit is approved and the path that sets it.
type Run struct {
	Date         Date   `json:"date"`
	CriticalPath []Step `json:"critical_path"`
	// Items are every item the date depends on (the permit and its
	// prerequisites, transitively), each with its forecast, in the
	// ledger's order: what a full forecast view lists beside the path.
	Items []Step `json:"items"`
}

// Lights of a forecast: green on plan, yellow when the median forecast
// passes the planned start.
const (
	LightGreen  = "green"
	LightYellow = "yellow"
)

// Forecast is a project's start-date forecast.
type Forecast struct {
	Project    string `json:"project"`
	Permit     string `json:"permit"`
	PermitName string `json:"permit_name"`
	AsOf       Date   `json:"as_of"`
	// Done: the permit is approved, the dates are what happened.
	Done   bool `json:"done"`
	Median Run  `json:"median"`
	P80    Run  `json:"p80"`
	// PlannedStart is the project's planned start (计划开工), if it has
	// one; Late says the median forecast passes it by LateDays working
	// days, LateP80 that the p80 forecast does.
	PlannedStart *Date      `json:"planned_start,omitempty"`
	Late         bool       `json:"late"`
	LateDays     int        `json:"late_days,omitempty"`
	LateP80      bool       `json:"late_p80,omitempty"`
	Light        string     `json:"light"`
	Handling     []Handling `json:"handling"`
}

// ForecastPermit forecasts when p's construction permit (catalog key
// permit) is approved, as of now.
func ForecastPermit(p Project, permit string, h HandlingTimes, cal workday.Calendar, now time.Time) (Forecast, error) {
	if permit == "" {
		return Forecast{}, fmt.Errorf("project %s: the catalog names no construction permit (施工许可): %w", p.Code, ErrForecast)
	}
	it, ok := p.Item(ItemID(p.Code, permit))
	if !ok {
		return Forecast{}, fmt.Errorf("project %s: its ledger has no construction permit %s: %w", p.Code, permit, ErrForecast)
	}
	f := Forecast{Project: p.Code, Permit: it.ID, PermitName: it.Name, AsOf: DateOf(now),
		Done: it.Status == StatusApproved && it.CompletedAt != nil, PlannedStart: p.PlannedStart, Light: LightGreen,
		Handling: h.List()}
	var err error
	if f.Median, err = forecastRun(p, permit, h, false, cal, now); err != nil {
		return Forecast{}, err
	}
	if f.P80, err = forecastRun(p, permit, h, true, cal, now); err != nil {
		return Forecast{}, err
	}
	if plan := p.PlannedStart; plan != nil {
		if f.Median.Date.After(plan.Time) {
			f.Late, f.Light = true, LightYellow
			f.LateDays = max(workday.Count(cal, plan.Time, f.Median.Date.Time), 1)
		}
		f.LateP80 = f.P80.Date.After(plan.Time)
	}
	return f, nil
}

// forecastNode is an item's forecast and the prerequisite that set its
// start (empty: none did).
type forecastNode struct {
	step Step
	prev string
}

// forecastRun forecasts with the median (or p80) handling times.
func forecastRun(p Project, permit string, h HandlingTimes, p80 bool, cal workday.Calendar, now time.Time) (Run, error) {
	byType := make(map[string]*Item, len(p.Items))
	for i := range p.Items {
		byType[p.Items[i].Type] = &p.Items[i]
	}
	today := workday.Day(now)
	memo := map[string]*forecastNode{}
	onPath := map[string]bool{}
	var visit func(key string) (*forecastNode, error)
	visit = func(key string) (*forecastNode, error) {
		if n, ok := memo[key]; ok {
			return n, nil
		}
		it, ok := byType[key]
		if !ok {
			return nil, fmt.Errorf("project %s: no item %s in the ledger: %w", p.Code, key, ErrForecast)
		}
		if onPath[key] {
			return nil, fmt.Errorf("project %s: the prerequisites of %s lead back to it: %w", p.Code, key, ErrForecast)
		}
		onPath[key] = true
		defer delete(onPath, key)
		n := &forecastNode{step: Step{Item: it.ID, Type: it.Type, Name: it.Name, Department: it.Department,
			Status: it.Status, PromisedDays: it.PromisedDays}}
		switch {
		case it.Status == StatusApproved && it.CompletedAt != nil:
			start := *it.CompletedAt
			if it.AssignedAt != nil && it.AssignedAt.Before(start) {
				start = *it.AssignedAt
			}
			n.step.Start, n.step.Done = DateOf(start), DateOf(*it.CompletedAt)
			n.step.Days, n.step.Source = workday.Count(cal, start, *it.CompletedAt), SourceFinished
		case it.Status.Pending() && it.AssignedAt != nil:
			days, src := h.days(*it, p80)
			elapsed := workday.Count(cal, *it.AssignedAt, now)
			left := max(days-elapsed, 0)
			n.step.Start, n.step.Done = DateOf(*it.AssignedAt), Date{workday.Add(cal, now, left)}
			n.step.Days, n.step.Source = elapsed+left, src
		default:
			// The prerequisite done last sets the start, unless every one
			// was done before today.
			start, latest := today, time.Time{}
			for _, pre := range it.Prerequisites {
				pn, err := visit(pre)
				if err != nil {
					return nil, err
				}
				if pn.step.Done.After(latest) {
					latest = pn.step.Done.Time
					if !latest.Before(today) {
						start, n.prev = latest, pre
					}
				}
			}
			days, src := h.days(*it, p80)
			n.step.Start, n.step.Done = Date{start}, Date{workday.Add(cal, start, days)}
			n.step.Days, n.step.Source = days, src
		}
		n.step.DelayDays = max(n.step.Days-n.step.PromisedDays, 0)
		memo[key] = n
		return n, nil
	}
	last, err := visit(permit)
	if err != nil {
		return Run{}, err
	}
	run := Run{Date: last.step.Done}
	for n := last; ; n = memo[n.prev] {
		run.CriticalPath = append(run.CriticalPath, n.step)
		if n.prev == "" {
			break
		}
	}
	slices.Reverse(run.CriticalPath)
	for _, it := range p.Items {
		if n, ok := memo[it.Type]; ok {
			run.Items = append(run.Items, n.step)
		}
	}
	return run, nil
}
