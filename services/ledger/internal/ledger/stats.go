package ledger

import (
	"fmt"
	"sort"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// OfficerStats are an officer's figures for a month (seed 001: requests
// handled, on-time rate, satisfaction; reported by the 25th).
type OfficerStats struct {
	Officer          string  `json:"officer"`
	Received         int     `json:"requests_received"`
	Closed           int     `json:"requests_closed"`
	ClosedOnTime     int     `json:"closed_on_time"`
	OnTimeRate       float64 `json:"on_time_rate"`
	Visits           int     `json:"visits"`
	SatisfactionMean float64 `json:"satisfaction_mean"`
}

// DepartmentStats are a department's approval figures for a month.
type DepartmentStats struct {
	Department       string  `json:"department"`
	Assigned         int     `json:"items_assigned"`
	Completed        int     `json:"items_completed"`
	CompletedOnTime  int     `json:"completed_on_time"`
	OnTimeRate       float64 `json:"on_time_rate"`
	MeanHandlingDays float64 `json:"mean_handling_working_days"`
	PendingNow       int     `json:"pending_now"`
}

// MonthlyStats are the monthly statistics of the service room.
type MonthlyStats struct {
	Month       string            `json:"month"`
	Officers    []OfficerStats    `json:"officers"`
	Departments []DepartmentStats `json:"departments"`
}

// ParseMonth reads "2026-11" as the month's bounds in Zone.
func ParseMonth(s string) (from, to time.Time, err error) {
	m, perr := time.ParseInLocation("2006-01", s, workday.Zone)
	if perr != nil {
		return time.Time{}, time.Time{}, apperr.Invalid("month", "invalid_month", "month must look like 2026-11")
	}
	return m, m.AddDate(0, 1, 0), nil
}

func within(t *time.Time, from, to time.Time) bool {
	return t != nil && !t.Before(from) && t.Before(to)
}

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Monthly computes the statistics of month over ledgers. An item counts as
// completed when it was approved or rejected in the month, on time when it
// was decided before its due date; a request counts for the officer who
// holds it.
func Monthly(ps []Project, month string, cal workday.Calendar) (MonthlyStats, error) {
	from, to, err := ParseMonth(month)
	if err != nil {
		return MonthlyStats{}, err
	}
	offs := map[string]*OfficerStats{}
	sat := map[string]int{}
	off := func(code string) *OfficerStats {
		if offs[code] == nil {
			offs[code] = &OfficerStats{Officer: code}
		}
		return offs[code]
	}
	for _, p := range ps {
		for _, t := range p.Tasks {
			o := off(t.Officer)
			received := t.ReceivedAt
			if within(&received, from, to) {
				o.Received++
			}
			if within(t.ClosedAt, from, to) {
				o.Closed++
				if t.OnTime() {
					o.ClosedOnTime++
				}
			}
			if within(t.VisitedAt, from, to) {
				o.Visits++
				sat[t.Officer] += t.Satisfaction
			}
		}
	}
	st := MonthlyStats{Month: month, Officers: []OfficerStats{}, Departments: departmentStats(ps, from, to, cal)}
	for code, o := range offs {
		o.OnTimeRate = rate(o.ClosedOnTime, o.Closed)
		o.SatisfactionMean = rate(sat[code], o.Visits)
		st.Officers = append(st.Officers, *o)
	}
	sort.Slice(st.Officers, func(i, j int) bool { return st.Officers[i].Officer < st.Officers[j].Officer })
	return st, nil
}

// departmentStats are the departments' figures for [from, to): items
// assigned and decided in it, decided on time (by the due date), their
// mean handling working days, and what is pending now; by department code.
func departmentStats(ps []Project, from, to time.Time, cal workday.Calendar) []DepartmentStats {
	depts := map[string]*DepartmentStats{}
	days := map[string]int{}
	dept := func(code string) *DepartmentStats {
		if depts[code] == nil {
			depts[code] = &DepartmentStats{Department: code}
		}
		return depts[code]
	}
	for _, p := range ps {
		for _, it := range p.Items {
			d := dept(it.Department)
			if it.Status.Pending() {
				d.PendingNow++
			}
			if within(it.AssignedAt, from, to) {
				d.Assigned++
			}
			if (it.Status == StatusApproved || it.Status == StatusRejected) && within(it.CompletedAt, from, to) {
				d.Completed++
				if it.Due != nil && !it.CompletedAt.After(*it.Due) {
					d.CompletedOnTime++
				}
				if it.AssignedAt != nil {
					days[it.Department] += workday.Count(cal, *it.AssignedAt, *it.CompletedAt)
				}
			}
		}
	}
	out := make([]DepartmentStats, 0, len(depts))
	for code, d := range depts {
		d.OnTimeRate = rate(d.CompletedOnTime, d.Completed)
		d.MeanHandlingDays = rate(days[code], d.Completed)
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Department < out[j].Department })
	return out
}

// Percent formats a rate for people.
func Percent(r float64) string { return fmt.Sprintf("%.1f%%", r*100) }
