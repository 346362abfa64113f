package ledger

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// The forecast's test graph, two parallel branches into the permit:
//
//	a (d1, 5 days) ──► c (d1, 3 days) ──┐
//	b (d2, 10 days) ───────────────────┴──► permit (d3, 2 days)
const fcCode = "2026-370481-04-01-900001"

// fcItem is one item of the test graph as a case sets it up.
type fcItem struct {
	status    Status
	assigned  string // day it was assigned (2026-11-16), empty: none
	completed string
	promised  int // 0: the graph's
}

func fcDay(t *testing.T, s string) *time.Time {
	t.Helper()
	if s == "" {
		return nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, workday.Zone)
	if err != nil {
		t.Fatal(err)
	}
	d = d.Add(10 * time.Hour) // during office hours
	return &d
}

// fcProject builds the test graph; items the case does not name wait.
func fcProject(t *testing.T, set map[string]fcItem) Project {
	t.Helper()
	p := Project{ProjectInfo: ProjectInfo{Code: fcCode}, Version: 1}
	for _, g := range []struct {
		key, dept string
		days      int
		pre       []string
	}{{"a", "d1", 5, nil}, {"b", "d2", 10, nil}, {"c", "d1", 3, []string{"a"}}, {"permit", "d3", 2, []string{"b", "c"}}} {
		s := set[g.key]
		it := Item{ID: ItemID(fcCode, g.key), Type: g.key, Name: "事项" + g.key, Department: g.dept,
			Prerequisites: g.pre, PromisedDays: g.days, Status: StatusWaiting,
			AssignedAt: fcDay(t, s.assigned), CompletedAt: fcDay(t, s.completed)}
		if s.status != "" {
			it.Status = s.status
		}
		if s.promised != 0 {
			it.PromisedDays = s.promised
		}
		p.Items = append(p.Items, it)
	}
	return p
}

// fcHistory is a finished project whose d1 items took days each.
func fcHistory(t *testing.T, days ...int) Project {
	t.Helper()
	p := Project{ProjectInfo: ProjectInfo{Code: "history"}}
	for _, n := range days {
		from := time.Date(2026, 6, 1, 10, 0, 0, 0, workday.Zone)
		to := workday.Add(workday.Weekends{}, from, n).Add(10 * time.Hour)
		p.Items = append(p.Items, Item{Department: "d1", Status: StatusApproved, AssignedAt: &from, CompletedAt: &to})
	}
	return p
}

func pathOf(r Run) []string {
	var keys []string
	for _, s := range r.CriticalPath {
		keys = append(keys, s.Type)
	}
	return keys
}

func TestForecastPermit(t *testing.T) {
	weekends := workday.Weekends{}
	fresh := map[string]fcItem{"a": {status: StatusAssigned, assigned: "2026-11-23"}, "b": {status: StatusAssigned, assigned: "2026-11-23"}}
	cases := []struct {
		name    string
		items   map[string]fcItem
		history []int // working days of d1's past items
		cal     workday.Calendar
		now     time.Time
		plan    string
		median  string
		medPath []string
		p80     string
		p80Path []string
		late    int // working days late (0: on plan)
		lateP80 bool
		done    bool
	}{
		{name: "just assigned, no history: the promised days, the longer branch b",
			items: fresh, median: "2026-12-09", medPath: []string{"b", "permit"}, p80: "2026-12-09", p80Path: []string{"b", "permit"}},
		{name: "d1 measured slow: a → c sets the date, p80 later than the median",
			items: fresh, history: []int{5, 6, 7, 9, 12},
			median: "2026-12-15", medPath: []string{"a", "c", "permit"}, p80: "2026-12-21", p80Path: []string{"a", "c", "permit"}},
		{name: "median and p80 on different paths",
			items: fresh, history: []int{3, 4, 4, 6, 8},
			median: "2026-12-09", medPath: []string{"b", "permit"}, p80: "2026-12-11", p80Path: []string{"a", "c", "permit"}},
		{name: "too little history: the catalog's days",
			items: fresh, history: []int{20, 20, 20, 20},
			median: "2026-12-09", medPath: []string{"b", "permit"}, p80: "2026-12-09", p80Path: []string{"b", "permit"}},
		{name: "a finished, c and b under way: their remaining time",
			items: map[string]fcItem{
				"a": {status: StatusApproved, assigned: "2026-11-11", completed: "2026-11-18"},
				"c": {status: StatusAccepted, assigned: "2026-11-18"},
				"b": {status: StatusSupplement, assigned: "2026-11-16"},
			},
			median: "2026-12-02", medPath: []string{"b", "permit"}, p80: "2026-12-02", p80Path: []string{"b", "permit"}},
		{name: "an item under way past its expected time is forecast done today",
			items: map[string]fcItem{
				"a": {status: StatusApproved, assigned: "2026-10-19", completed: "2026-10-26"},
				"c": {status: StatusSuspended, assigned: "2026-10-26"},
				"b": {status: StatusApproved, assigned: "2026-10-19", completed: "2026-11-02"},
			},
			median: "2026-11-25", medPath: []string{"c", "permit"}, p80: "2026-11-25", p80Path: []string{"c", "permit"}},
		{name: "a rejected item starts again today",
			items: map[string]fcItem{
				"a": {status: StatusApproved, assigned: "2026-11-02", completed: "2026-11-06"},
				"c": {status: StatusApproved, assigned: "2026-11-06", completed: "2026-11-11"},
				"b": {status: StatusRejected, assigned: "2026-11-02", completed: "2026-11-20"},
			},
			median: "2026-12-09", medPath: []string{"b", "permit"}, p80: "2026-12-09", p80Path: []string{"b", "permit"}},
		{name: "a planned project: everything from today",
			items:  map[string]fcItem{"a": {status: StatusPlanned}, "b": {status: StatusPlanned}, "c": {status: StatusPlanned}, "permit": {status: StatusPlanned}},
			median: "2026-12-09", medPath: []string{"b", "permit"}, p80: "2026-12-09", p80Path: []string{"b", "permit"}},
		{name: "the permit approved: what happened",
			items:  map[string]fcItem{"permit": {status: StatusApproved, assigned: "2026-11-16", completed: "2026-11-18"}},
			median: "2026-11-18", medPath: []string{"permit"}, p80: "2026-11-18", p80Path: []string{"permit"}, done: true},
		{name: "国庆 and a make-up Saturday in the way",
			items: map[string]fcItem{"a": {status: StatusAssigned, assigned: "2026-09-24"}, "b": {status: StatusAssigned, assigned: "2026-09-24", promised: 3}},
			cal:   workday.Shipped(), now: time.Date(2026, 9, 24, 10, 0, 0, 0, workday.Zone),
			// a: 09-28..30, 10-08, 10-09; c: 10-10 (调休), 10-12, 10-13; permit: 10-14, 10-15
			median: "2026-10-15", medPath: []string{"a", "c", "permit"}, p80: "2026-10-15", p80Path: []string{"a", "c", "permit"}},
		{name: "planned start before the forecast: yellow",
			items: fresh, plan: "2026-12-01", late: 6, lateP80: true,
			median: "2026-12-09", medPath: []string{"b", "permit"}, p80: "2026-12-09", p80Path: []string{"b", "permit"}},
		{name: "planned start after the median, before the p80: green, p80 late",
			items: fresh, history: []int{3, 4, 4, 6, 8}, plan: "2026-12-10", lateP80: true,
			median: "2026-12-09", medPath: []string{"b", "permit"}, p80: "2026-12-11", p80Path: []string{"a", "c", "permit"}},
		{name: "planned start on the forecast day: on plan",
			items: fresh, plan: "2026-12-09",
			median: "2026-12-09", medPath: []string{"b", "permit"}, p80: "2026-12-09", p80Path: []string{"b", "permit"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cal, now := tc.cal, tc.now
			if cal == nil {
				cal, now = weekends, monday
			}
			p := fcProject(t, tc.items)
			if tc.plan != "" {
				d, err := ParseDate("planned_start", tc.plan)
				if err != nil {
					t.Fatal(err)
				}
				p.PlannedStart = &d
			}
			h := MeasureHandling([]Project{p, fcHistory(t, tc.history...)}, weekends)
			f, err := ForecastPermit(p, "permit", h, cal, now)
			if err != nil {
				t.Fatal(err)
			}
			if f.Median.Date.String() != tc.median || !slices.Equal(pathOf(f.Median), tc.medPath) {
				t.Errorf("median %s via %v, want %s via %v", f.Median.Date, pathOf(f.Median), tc.median, tc.medPath)
			}
			if f.P80.Date.String() != tc.p80 || !slices.Equal(pathOf(f.P80), tc.p80Path) {
				t.Errorf("p80 %s via %v, want %s via %v", f.P80.Date, pathOf(f.P80), tc.p80, tc.p80Path)
			}
			wantLight := LightGreen
			if tc.late > 0 {
				wantLight = LightYellow
			}
			if f.Late != (tc.late > 0) || f.LateDays != tc.late || f.Light != wantLight || f.LateP80 != tc.lateP80 || f.Done != tc.done {
				t.Errorf("late %v by %d (p80 %v), light %s, done %v; want late by %d (p80 %v), %s, done %v",
					f.Late, f.LateDays, f.LateP80, f.Light, f.Done, tc.late, tc.lateP80, wantLight, tc.done)
			}
			last := f.Median.CriticalPath[len(f.Median.CriticalPath)-1]
			if last.Item != ItemID(fcCode, "permit") || !last.Done.Equal(f.Median.Date.Time) || f.Permit != last.Item {
				t.Errorf("the path ends with %+v, not the permit on %s", last, f.Median.Date)
			}
			// Every item still to be done is listed once, in the ledger's
			// order, and each step of the path is one of them as it is.
			for _, run := range []Run{f.Median, f.P80} {
				var keys, want []string
				for _, st := range run.Items {
					keys = append(keys, st.Type)
				}
				for _, it := range p.Items {
					if it.Status != StatusApproved || slices.Contains(keys, it.Type) {
						want = append(want, it.Type)
					}
				}
				if f.Done {
					want = []string{"permit"} // nothing is left to forecast
				}
				if !slices.Equal(keys, want) {
					t.Errorf("items %v, want %v (every item not approved, in order)", keys, want)
				}
				for _, st := range run.CriticalPath {
					if !slices.Contains(run.Items, st) {
						t.Errorf("path step %+v is not among the items as listed", st)
					}
				}
			}
			for i := 1; i < len(f.Median.CriticalPath); i++ {
				if prev, s := f.Median.CriticalPath[i-1], f.Median.CriticalPath[i]; !s.Start.Equal(prev.Done.Time) {
					t.Errorf("step %s starts %s, not when %s is done (%s)", s.Type, s.Start, prev.Type, prev.Done)
				}
			}
		})
	}
}

// TestForecastSteps checks what a path says of each step: its days, where
// they come from and the delay beyond the promised days.
func TestForecastSteps(t *testing.T) {
	p := fcProject(t, map[string]fcItem{
		"a": {status: StatusApproved, assigned: "2026-10-19", completed: "2026-10-26"},
		"c": {status: StatusAccepted, assigned: "2026-10-26"},
		"b": {status: StatusApproved, assigned: "2026-10-19", completed: "2026-11-02"},
	})
	f, err := ForecastPermit(p, "permit", MeasureHandling([]Project{p}, workday.Weekends{}), workday.Weekends{}, monday)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Median.CriticalPath
	want := []Step{
		{Type: "c", Department: "d1", Status: StatusAccepted, Start: DateOf(*fcDay(t, "2026-10-26")), Done: DateOf(monday),
			Days: 20, PromisedDays: 3, DelayDays: 17, Source: SourceCatalog},
		{Type: "permit", Department: "d3", Status: StatusWaiting, Start: DateOf(monday), Done: DateOf(*fcDay(t, "2026-11-25")),
			Days: 2, PromisedDays: 2, Source: SourceCatalog},
	}
	if len(got) != len(want) {
		t.Fatalf("path %+v", got)
	}
	for i := range want {
		g := got[i]
		g.Item, g.Name = "", ""
		if g != want[i] {
			t.Errorf("step %d:\n got %+v\nwant %+v", i, g, want[i])
		}
	}
}

func TestForecastBadInput(t *testing.T) {
	cycle := fcProject(t, nil)
	cycle.Items[0].Prerequisites = []string{"permit"} // a needs the permit, which needs a (through c)
	missing := fcProject(t, nil)
	missing.Items[2].Prerequisites = []string{"a", "gone"}
	unknownDept := fcProject(t, nil)
	unknownDept.Items[1].Department = "nowhere"
	noAssignedAt := fcProject(t, map[string]fcItem{"b": {status: StatusAccepted}})
	history := []Project{{Items: []Item{{Department: "d2", Status: StatusApproved}}}} // no dates: not a sample
	for _, tc := range []struct {
		name   string
		p      Project
		permit string
		ok     bool
	}{
		{"no permit in the catalog", fcProject(t, nil), "", false},
		{"no permit in the ledger", fcProject(t, nil), "shigong-xuke", false},
		{"an empty ledger", Project{ProjectInfo: ProjectInfo{Code: fcCode}}, "permit", false},
		{"a prerequisite cycle", cycle, "permit", false},
		{"a prerequisite the ledger does not have", missing, "permit", false},
		{"an unknown department: the promised days", unknownDept, "permit", true},
		{"an item under way without its assignment: as if waiting", noAssignedAt, "permit", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ForecastPermit(tc.p, tc.permit, MeasureHandling(history, nil), workday.Weekends{}, monday)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("error %v", err)
			case tc.ok && f.Median.Date.String() != "2026-12-09":
				t.Errorf("median %s, want the promised days' 2026-12-09", f.Median.Date)
			case !tc.ok && !errors.Is(err, ErrForecast):
				t.Fatalf("error %v, want ErrForecast", err)
			}
		})
	}
}

func TestMeasureHandling(t *testing.T) {
	p := fcHistory(t, 9, 2, 4, 3, 12, 5, 7)
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, workday.Zone)
	before := at.Add(-time.Hour)
	p.Items = append(p.Items,
		Item{Department: "d1", Status: StatusRejected, AssignedAt: &at, CompletedAt: &at},     // not approved
		Item{Department: "d1", Status: StatusAccepted, AssignedAt: &at},                       // not finished
		Item{Department: "d1", Status: StatusApproved, AssignedAt: &at, CompletedAt: &before}, // dates out of order
		Item{Department: "d2", Status: StatusApproved, AssignedAt: &at, CompletedAt: &at})
	h := MeasureHandling([]Project{p}, workday.Weekends{})
	// d1's 7 samples sorted: 2 3 4 5 7 9 12; nearest rank: 50% → 4th, 80% → 6th.
	if got, want := h["d1"], (Handling{Department: "d1", Samples: 7, Median: 5, P80: 9, Measured: true}); got != want {
		t.Errorf("d1 %+v, want %+v", got, want)
	}
	if got := h["d2"]; got.Samples != 1 || got.Measured || got.Median != 0 {
		t.Errorf("d2 %+v, want one sample of 0 days, not measured", got)
	}
	if l := h.List(); len(l) != 2 || l[0].Department != "d1" {
		t.Errorf("list %+v", l)
	}
	if len(MeasureHandling(nil, workday.Weekends{})) != 0 {
		t.Error("no history measured something")
	}
}

func TestParseDate(t *testing.T) {
	for s, ok := range map[string]bool{"2027-03-01": true, " 2027-03-01 ": true, "2027-3-1": false, "2027-02-30": false,
		"1999-12-31": false, "2101-01-01": false, "明年三月": false, "": false} {
		if _, err := ParseDate("planned_start", s); (err == nil) != ok {
			t.Errorf("%q: error %v", s, err)
		}
	}
}
