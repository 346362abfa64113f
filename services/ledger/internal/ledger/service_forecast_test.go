package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

// scanCountingStore is a Store of fixed ledgers that counts the scans of
// every ledger (the other methods are not used here).
type scanCountingStore struct {
	Store
	ps    []Project
	scans int
}

func (s *scanCountingStore) Project(_ context.Context, code string) (Project, error) {
	for _, p := range s.ps {
		if p.Code == code {
			return p, nil
		}
	}
	return Project{}, ErrNotFound
}

func (s *scanCountingStore) Projects(context.Context, ProjectFilter) ([]Project, error) {
	s.scans++
	return s.ps, nil
}

// TestForecastReusesTheMeasure: forecasts and statuses within HandlingTTL
// measure the departments' handling times once; later, again.
func TestForecastReusesTheMeasure(t *testing.T) {
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Open(ProjectInfo{Code: code, Stage: StageApproving, OwnerOrganisation: "业主"}, cat, workday.Weekends{}, monday)
	st := &scanCountingStore{ps: []Project{p}}
	clk := clock.NewManual(monday, time.Millisecond)
	svc := NewService(st, cat, func(string) bool { return true }, clk, WithCalendar(workday.Weekends{}))
	ctx := auth.NewContext(context.Background(), auth.Principal{Subject: "s", Roles: []auth.Role{auth.Supervisor}})
	f, err := svc.Forecast(ctx, code)
	if err != nil || f.Permit != ItemID(code, permit) {
		t.Fatalf("forecast %+v, %v", f, err)
	}
	if s, err := svc.ProjectStatus(ctx, code); err != nil || s.Forecast == nil || s.Forecast.PermitDate != f.Median.Date {
		t.Fatalf("status %+v, %v", s, err)
	}
	if st.scans != 1 {
		t.Errorf("%d scans within the TTL, want 1", st.scans)
	}
	clk.Advance(HandlingTTL)
	if _, err := svc.Forecast(ctx, code); err != nil || st.scans != 2 {
		t.Errorf("after the TTL: %d scans, %v; want 2", st.scans, err)
	}
	// No principal, no forecast; an unknown project is 404-shaped.
	if _, err := svc.Forecast(context.Background(), code); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("without a principal: %v", err)
	}
	if _, err := svc.Forecast(ctx, "nowhere"); err == nil {
		t.Error("an unknown project has a forecast")
	}
	// A catalog without a construction permit: 409 no_forecast, and a
	// status without a forecast.
	bare, err := catalog.Parse([]byte("items:\n  - {key: lixiang, name: 立项, department: fgw, promised_days: 5}\n"),
		func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	svc = NewService(st, bare, func(string) bool { return true }, clk, WithCalendar(workday.Weekends{}))
	if _, err := svc.Forecast(ctx, code); !errors.Is(err, ErrForecast) || !isConflict(err, "no_forecast") {
		t.Errorf("no permit: %v", err)
	}
	if s, err := svc.ProjectStatus(ctx, code); err != nil || s.Forecast != nil {
		t.Errorf("status without a permit: %+v, %v", s.Forecast, err)
	}
}
