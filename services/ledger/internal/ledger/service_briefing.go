package ledger

import (
	"context"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Briefings are the leaders' briefings (简报).
type Briefings interface {
	// WeeklyBriefing is the briefing of the week containing day
	// ("2026-11-23"; empty: this week).
	WeeklyBriefing(ctx context.Context, day string) (Briefing, error)
	// MonthlyBriefing is the briefing of month ("2026-11"; empty: this
	// month).
	MonthlyBriefing(ctx context.Context, month string) (Briefing, error)
}

var _ Briefings = (*Service)(nil)

func (s *Service) WeeklyBriefing(ctx context.Context, day string) (Briefing, error) {
	now := s.clock.Now()
	d := now
	if day != "" {
		var err error
		if d, err = time.ParseInLocation(time.DateOnly, day, workday.Zone); err != nil {
			return Briefing{}, apperr.Invalid("day", "invalid_date", "day must look like 2026-11-23")
		}
	}
	from, to := WeekOf(d)
	return s.brief(ctx, BriefingWeekly, DateOf(from).String(), from, to, now)
}

func (s *Service) MonthlyBriefing(ctx context.Context, month string) (Briefing, error) {
	now := s.clock.Now()
	if month == "" {
		month = now.In(workday.Zone).Format("2006-01")
	}
	from, to, err := ParseMonth(month)
	if err != nil {
		return Briefing{}, err
	}
	return s.brief(ctx, BriefingMonthly, month, from, to, now)
}

func (s *Service) brief(ctx context.Context, kind, period string, from, to, now time.Time) (Briefing, error) {
	if _, err := auth.Caller(ctx); err != nil {
		return Briefing{}, err
	}
	return s.build(ctx, kind, period, from, to, now)
}

// build is the briefing of [from, to) as of now, for whoever asked: a
// reader the route admitted, or the schedule delivering it.
func (s *Service) build(ctx context.Context, kind, period string, from, to, now time.Time) (Briefing, error) {
	ps, err := s.store.Projects(ctx, ProjectFilter{})
	if err != nil {
		return Briefing{}, err
	}
	return Brief(kind, period, from, to, ps, s.forecasts(ps, now), s.calendar, now), nil
}
