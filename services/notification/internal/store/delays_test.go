package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// TestCriticalDelaysKeepTheLatestWeek: a week's ranking is recorded once
// (a redelivered briefing changes nothing), the latest week is read back
// whatever order the weeks arrived in, and none recorded is ErrNotFound.
func TestCriticalDelaysKeepTheLatestWeek(t *testing.T) {
	ctx := context.Background()
	s := NewDelays(testenv.Mongo(t).Database("tuijin_notification_delays_test"))
	if _, err := s.LatestCriticalDelays(ctx); !errors.Is(err, notification.ErrNotFound) {
		t.Fatalf("empty: %v, want ErrNotFound", err)
	}
	asOf := time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC)
	week := func(period string, days int) notification.CriticalDelays {
		return notification.CriticalDelays{Period: period, AsOf: asOf,
			Rows: []notification.CriticalDelay{{Department: "zrzy", DelayDays: days, Projects: 2, LateProjects: 1}}}
	}
	for _, d := range []notification.CriticalDelays{week("2026-11-30", 10), week("2026-11-23", 4), week("2026-11-30", 99)} {
		if err := s.PutCriticalDelays(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LatestCriticalDelays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Period != "2026-11-30" || !got.AsOf.Equal(asOf) || len(got.Rows) != 1 ||
		got.Rows[0] != (notification.CriticalDelay{Department: "zrzy", DelayDays: 10, Projects: 2, LateProjects: 1}) {
		t.Fatalf("latest %+v, want the week of 2026-11-30 as first recorded", got)
	}
}
