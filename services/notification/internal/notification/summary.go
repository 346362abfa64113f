package notification

import (
	"context"
	"fmt"
	"time"
)

// DeptSummary is a department's day in numbers, from the item statistics.
type DeptSummary struct {
	Department  string
	Open        int // assigned and not finished
	OverdueOpen int // of which overdue
	AssignedDay int // assigned in the day before the summary
	FinishedDay int // finished in the day before the summary
}

// Summaries counts, per department, the items open at "at" and those
// assigned and finished in the 24 hours before it.
func Summaries(stats []ItemStat, departments []string, at time.Time) []DeptSummary {
	idx := map[string]int{}
	out := make([]DeptSummary, len(departments))
	for i, d := range departments {
		idx[d], out[i] = i, DeptSummary{Department: d}
	}
	from := at.Add(-24 * time.Hour)
	for _, s := range stats {
		i, ok := idx[s.Department]
		if !ok {
			continue
		}
		r := &out[i]
		if s.CompletedAt == nil {
			r.Open++
			if s.Overdue {
				r.OverdueOpen++
			}
		} else if !s.CompletedAt.Before(from) && s.CompletedAt.Before(at) {
			r.FinishedDay++
		}
		if !s.AssignedAt.IsZero() && !s.AssignedAt.Before(from) && s.AssignedAt.Before(at) {
			r.AssignedDay++
		}
	}
	return out
}

// SummaryNotice is the daily summary of every department, each to its own
// recipient; the event id names the day, so it goes out once.
func SummaryNotice(sums []DeptSummary, at time.Time, names Names) Notice {
	date := formatDay(at)
	to := make([]Addressee, len(sums))
	for i, s := range sums {
		to[i] = Addressee{Recipient: DepartmentRecipient(s.Department), Data: map[string]any{
			"DeptName": names.Dept(s.Department), "Open": s.Open, "OverdueOpen": s.OverdueOpen,
			"AssignedDay": s.AssignedDay, "FinishedDay": s.FinishedDay}}
	}
	return Notice{EventID: "summary:" + at.In(CST).Format("2006-01-02"), EventType: "tuijin.notification.summary", Template: TplDailySummary,
		Data: map[string]any{"Date": date}, To: to}
}

// SendSummaries sends every department its daily summary as of now.
func (s *Service) SendSummaries(ctx context.Context) error {
	stats, err := s.Stats.ItemStats(ctx)
	if err != nil {
		return fmt.Errorf("item statistics: %w", err)
	}
	now := s.now()
	return s.Notify(ctx, SummaryNotice(Summaries(stats, s.Departments, now), now, s.Names))
}
