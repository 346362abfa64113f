package ledger

import (
	"context"
	"errors"
	"sync"
	"time"
)

// HandlingTTL is how long the departments' measured handling times are
// reused: a forecast or a status reads one ledger, measuring reads them
// all, and a minute-old measure of months of history forecasts the same.
const HandlingTTL = time.Minute

// handlingCache holds the last measure of the handling times.
type handlingCache struct {
	mu sync.Mutex
	at time.Time
	h  HandlingTimes
}

// forget drops the measure: this replica recorded a decision, which the
// next forecast it makes should count (other replicas count it within
// HandlingTTL).
func (c *handlingCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.h = nil
}

// handling is the departments' handling times, measured at most
// HandlingTTL ago.
func (s *Service) handling(ctx context.Context) (HandlingTimes, error) {
	now := s.clock.Now()
	c := &s.measured
	c.mu.Lock()
	h, at := c.h, c.at
	c.mu.Unlock()
	if age := now.Sub(at); h != nil && age >= 0 && age < HandlingTTL {
		return h, nil
	}
	ps, err := s.store.Projects(ctx, ProjectFilter{})
	if err != nil {
		return nil, err
	}
	h = MeasureHandling(ps, s.calendar)
	c.mu.Lock()
	c.h, c.at = h, now
	c.mu.Unlock()
	return h, nil
}

// Forecasts are the start-date forecasts (预计开工日).
type Forecasts interface {
	// Forecast forecasts when the project's construction permit is
	// approved, with the critical path and each department's handling time.
	Forecast(ctx context.Context, code string) (Forecast, error)
	// ProjectLedger is the project's ledger with its forecast in short.
	ProjectLedger(ctx context.Context, code string) (ProjectLedger, error)
	// ForecastProjects forecasts each of ps that has a construction permit,
	// on the handling times measured over every ledger.
	ForecastProjects(ctx context.Context, ps []Project) ([]Forecast, error)
}

// ProjectLedger is a project's ledger as GET /v1/projects/{code} shows
// it: the ledger and, when its catalog has a construction permit, the
// start-date forecast with its critical path.
type ProjectLedger struct {
	Project
	Forecast *StatusForecast `json:"forecast,omitempty"`
}

var _ Forecasts = (*Service)(nil)

// StatusForecast is the start-date forecast as the project's status shows
// it: the median forecast's day and path, the p80 day, and the light.
type StatusForecast struct {
	PermitDate    Date   `json:"permit_date"`
	PermitDateP80 Date   `json:"permit_date_p80"`
	Done          bool   `json:"done,omitempty"`
	CriticalPath  []Step `json:"critical_path"`
	PlannedStart  *Date  `json:"planned_start,omitempty"`
	Late          bool   `json:"late"`
	LateDays      int    `json:"late_days,omitempty"`
	Light         string `json:"light"`
}

// Summary is f as the project's status shows it.
func (f Forecast) Summary() *StatusForecast {
	return &StatusForecast{PermitDate: f.Median.Date, PermitDateP80: f.P80.Date, Done: f.Done,
		CriticalPath: f.Median.CriticalPath, PlannedStart: f.PlannedStart, Late: f.Late, LateDays: f.LateDays, Light: f.Light}
}

func (s *Service) Forecast(ctx context.Context, code string) (Forecast, error) {
	p, err := s.Project(ctx, code)
	if err != nil {
		return Forecast{}, err
	}
	h, err := s.handling(ctx)
	if err != nil {
		return Forecast{}, err
	}
	f, err := ForecastPermit(p, s.catalog.Permit(), h, s.calendar, s.clock.Now())
	if errors.Is(err, ErrForecast) {
		return Forecast{}, conflict(ErrForecast, "no_forecast", err.Error())
	}
	return f, err
}

func (s *Service) ProjectLedger(ctx context.Context, code string) (ProjectLedger, error) {
	p, err := s.Project(ctx, code)
	if err != nil {
		return ProjectLedger{}, err
	}
	h, err := s.handling(ctx)
	if err != nil {
		return ProjectLedger{}, err
	}
	out := ProjectLedger{Project: p}
	if f, err := ForecastPermit(p, s.catalog.Permit(), h, s.calendar, s.clock.Now()); err == nil {
		out.Forecast = f.Summary()
	}
	return out, nil
}

func (s *Service) ForecastProjects(ctx context.Context, ps []Project) ([]Forecast, error) {
	h, err := s.handling(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := make([]Forecast, 0, len(ps))
	for _, p := range ps {
		if f, err := ForecastPermit(p, s.catalog.Permit(), h, s.calendar, now); err == nil {
			out = append(out, f)
		}
	}
	return out, nil
}

func (s *Service) ProjectStatus(ctx context.Context, code string) (ProjectStatus, error) {
	p, err := s.Project(ctx, code)
	if err != nil {
		return ProjectStatus{}, err
	}
	now := s.clock.Now()
	st := p.Status(now)
	h, err := s.handling(ctx)
	if err != nil {
		return ProjectStatus{}, err
	}
	// A ledger the forecast cannot read (no permit in its catalog) still
	// has a status, without a forecast.
	if f, err := ForecastPermit(p, s.catalog.Permit(), h, s.calendar, now); err == nil {
		st.Forecast = f.Summary()
	}
	return st, nil
}

// forecasts forecasts every project of ps as of now, on the handling times
// measured over all of them; ledgers without a forecast are left out.
func (s *Service) forecasts(ps []Project, now time.Time) []Forecast {
	h := MeasureHandling(ps, s.calendar)
	out := make([]Forecast, 0, len(ps))
	for _, p := range ps {
		if f, err := ForecastPermit(p, s.catalog.Permit(), h, s.calendar, now); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// Delays are the working days each department puts on the run's critical
// path beyond its promised limits, largest first.
func (r Run) Delays() []Delay { return pathDelays(r.CriticalPath) }
