package ledger

import (
	"context"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

func (s *Service) Projects(ctx context.Context, f ProjectFilter) ([]Project, error) {
	return s.store.Projects(ctx, f)
}

func (s *Service) Monthly(ctx context.Context, month string) (MonthlyStats, error) {
	if _, _, err := ParseMonth(month); err != nil {
		return MonthlyStats{}, err
	}
	ps, err := s.store.Projects(ctx, ProjectFilter{})
	if err != nil {
		return MonthlyStats{}, err
	}
	return Monthly(ps, month, s.calendar)
}

func (s *Service) Weekly(ctx context.Context, day string, f ProjectFilter) (WeeklySnapshot, error) {
	now := s.clock.Now()
	d := now
	if day != "" {
		var err error
		if d, err = time.ParseInLocation(time.DateOnly, day, workday.Zone); err != nil {
			return WeeklySnapshot{}, apperr.Invalid("week_of", "invalid_date", "week_of must look like 2026-11-23")
		}
	}
	ps, err := s.store.Projects(ctx, f)
	if err != nil {
		return WeeklySnapshot{}, err
	}
	return Weekly(ps, d, now), nil
}
