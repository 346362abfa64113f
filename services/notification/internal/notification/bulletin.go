package notification

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// ItemStat is what the bulletin needs of one approval item: who handles it,
// whether it went overdue, whether and when it was finished.
type ItemStat struct {
	ItemID     string
	Department string
	// Name (the catalog's, e.g. 用地预审) and ProjectCode come with the
	// assignment; messages name the item by them.
	Name        string
	ProjectCode string
	AssignedAt  time.Time
	CompletedAt *time.Time
	Overdue     bool
	// Withdrawn items were taken back by the applicant: the department
	// neither finished them nor owes them any more.
	Withdrawn bool
}

// Item statuses of the ledger that matter to the bulletin.
const (
	statusApproved  = "approved"
	statusRejected  = "rejected"
	statusWithdrawn = "withdrawn"
)

// Finished reports whether an item in status s was decided by its
// department (approved or rejected).
func Finished(s string) bool { return s == statusApproved || s == statusRejected }

// Withdrawn reports whether status s means the applicant took the item back.
func Withdrawn(s string) bool { return s == statusWithdrawn }

// Reopened reports whether a change from status from to status to brings a
// closed item back to work: the owner applied again after a rejection or a
// withdrawal, a new round for the bulletin.
func Reopened(from, to string) bool {
	closed := func(s string) bool { return Finished(s) || Withdrawn(s) }
	return closed(from) && !closed(to)
}

// BulletinRow is one department's line in the weekly bulletin (通报).
type BulletinRow struct {
	Department  string
	Name        string
	Completed   int
	OnTime      int
	OverdueOpen int
	// Rate is the on-time rate as text ("100.0%", "—" with nothing finished).
	Rate string
	rate float64
}

// Bulletin ranks departments by on-time rate over the items finished in
// [from, to), then by fewer overdue items still open, then by code. Every
// department of the organisation is listed, with or without items.
func Bulletin(stats []ItemStat, departments []string, from, to time.Time, names Names) []BulletinRow {
	rows := map[string]*BulletinRow{}
	for _, d := range departments {
		rows[d] = &BulletinRow{Department: d, Name: names.Dept(d)}
	}
	for _, s := range stats {
		r, ok := rows[s.Department]
		if !ok || s.Withdrawn {
			continue
		}
		switch {
		case s.CompletedAt != nil && !s.CompletedAt.Before(from) && s.CompletedAt.Before(to):
			r.Completed++
			if !s.Overdue {
				r.OnTime++
			}
		case s.CompletedAt == nil && s.Overdue:
			r.OverdueOpen++
		}
	}
	out := make([]BulletinRow, 0, len(rows))
	for _, r := range rows {
		r.rate, r.Rate = -1, "—"
		if r.Completed > 0 {
			r.rate = float64(r.OnTime) / float64(r.Completed)
			r.Rate = fmt.Sprintf("%.1f%%", 100*r.rate)
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.rate != b.rate {
			return a.rate > b.rate
		}
		if a.OverdueOpen != b.OverdueOpen {
			return a.OverdueOpen < b.OverdueOpen
		}
		return a.Department < b.Department
	})
	return out
}

// BulletinNotice sends the bulletin of the week starting at from (Monday
// 00:00 Beijing time) to every department. Its event id names the week, so
// it goes out once however often it is built.
func BulletinNotice(rows []BulletinRow, from time.Time) Notice {
	year, week := from.In(CST).ISOWeek()
	period := formatDay(from) + "至" + formatDay(from.In(CST).AddDate(0, 0, 6))
	var worst []string
	for _, r := range rows {
		if r.OverdueOpen > 0 {
			worst = append(worst, r.Name)
		}
	}
	data := map[string]any{"Period": period, "Rows": rows, "Worst": "", "Delays": nil, "DelaysAsOf": ""}
	if len(worst) > 0 {
		sort.Strings(worst)
		data["Worst"] = strings.Join(worst, "、")
	}
	to := make([]Addressee, len(rows))
	for i, r := range rows {
		to[i] = Addressee{Recipient: DepartmentRecipient(r.Department)}
	}
	return Notice{EventID: fmt.Sprintf("bulletin:%d-W%02d", year, week), EventType: "tuijin.notification.bulletin",
		Template: TplWeeklyBulletin, Data: data, To: to}
}

// WeekStart is Monday 00:00 Beijing time of the week t falls in.
func WeekStart(t time.Time) time.Time {
	l := t.In(CST)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, CST)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// delayRow is a department's line in the bulletin's critical-path ranking.
type delayRow struct {
	Name                              string
	DelayDays, Projects, LateProjects int
}

// WithCriticalDelays adds to the bulletin n the departments ranked by the
// working days beyond their promised limits they put on the critical paths
// of the start-date forecasts, as the weekly briefing of d measured them:
// a department that is slow where it holds up a start ranks first even
// with few overdue items.
func WithCriticalDelays(n Notice, d CriticalDelays, names Names) Notice {
	var rows []delayRow
	for _, c := range d.Rows {
		if c.DelayDays > 0 {
			rows = append(rows, delayRow{Name: names.Dept(c.Department), DelayDays: c.DelayDays, Projects: c.Projects,
				LateProjects: c.LateProjects})
		}
	}
	if len(rows) == 0 {
		return n
	}
	data := make(map[string]any, len(n.Data))
	for k, v := range n.Data {
		data[k] = v
	}
	data["Delays"], data["DelaysAsOf"] = rows, formatDay(d.AsOf)
	n.Data = data
	return n
}
