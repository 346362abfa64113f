package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// fullForecastData is the project's start-date forecast in full: the
// permit's days, every item still to be done with its department's
// handling time and its forecast dates, the critical path marked.
type fullForecastData struct {
	Ledger     api.Ledger
	NoForecast bool
	Forecast   api.FullForecast
	Summary    *forecastView
	Rows       []forecastRow
	Handling   []handlingRow
}

// forecastRow is an item not yet approved as the full forecast shows it.
type forecastRow struct {
	ID, Name, DepartmentName, Status string
	// Handling is the department's handling time in words.
	Handling string
	// Start, Done: the median forecast; DoneP80 the cautious one. Empty
	// when the permit's date does not depend on the item (Outside).
	Start, Done, DoneP80 string
	Days, PromisedDays   int
	DelayDays            int
	Critical, Outside    bool
	// Due is the last day of an item under way, for items Outside.
	Due string
}

type handlingRow struct {
	api.Handling
	Name string
}

// fullForecast is /projects/{code}/forecast.
func (s *Server) fullForecast(w http.ResponseWriter, r *http.Request, se session) error {
	code := r.PathValue("code")
	l, err := s.api.Ledger(r.Context(), se.Token, code)
	if err != nil {
		return err
	}
	d := fullForecastData{Ledger: l}
	f, err := s.work.FullForecast(r.Context(), se.Token, code)
	var e *api.Error
	switch {
	case errors.As(err, &e) && e.Code == "no_forecast":
		d.NoForecast = true
	case err != nil:
		return err
	default:
		d.Forecast = f
		d.Summary = s.forecastOf(&api.Forecast{PermitDate: f.Median.Date, PermitDateP80: f.P80.Date, Done: f.Done,
			CriticalPath: f.Median.CriticalPath, PlannedStart: f.PlannedStart, Late: f.Late, LateDays: f.LateDays, Light: f.Light})
		d.Rows, d.Handling = s.forecastRows(l, f)
	}
	s.render(w, r, http.StatusOK, "forecast", "预计开工 · "+l.Name, d)
	return nil
}

// forecastRows are l's items not yet approved with f's dates for them,
// the earliest forecast done first and those the permit does not wait for
// last; and the departments' handling times.
func (s *Server) forecastRows(l api.Ledger, f api.FullForecast) ([]forecastRow, []handlingRow) {
	byID := func(steps []api.ForecastStep) map[string]api.ForecastStep {
		m := map[string]api.ForecastStep{}
		for _, st := range steps {
			m[st.Item] = st
		}
		return m
	}
	median, p80, critical := byID(f.Median.Items), byID(f.P80.Items), byID(f.Median.CriticalPath)
	handling := map[string]api.Handling{}
	var hs []handlingRow
	for _, h := range f.Handling {
		handling[h.Department] = h
		hs = append(hs, handlingRow{Handling: h, Name: s.departmentName(h.Department)})
	}
	var rows []forecastRow
	for _, it := range l.Items {
		if it.Status == "approved" {
			continue
		}
		row := forecastRow{ID: it.ID, Name: it.Name, DepartmentName: s.departmentName(it.Department), Status: it.Status,
			PromisedDays: it.PromisedDays, Handling: handlingWords(handling[it.Department], it.PromisedDays)}
		st, ok := median[it.ID]
		if ok {
			row.Start, row.Done, row.Days, row.DelayDays = st.Start, st.Done, st.Days, st.DelayDays
			row.DoneP80 = p80[it.ID].Done
			_, row.Critical = critical[it.ID]
		} else {
			row.Outside = true
			if it.Due != nil {
				row.Due = dueDay(*it.Due)
			}
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b forecastRow) int {
		if a.Outside != b.Outside {
			return map[bool]int{true: 1, false: -1}[a.Outside]
		}
		return cmp.Compare(a.Done, b.Done)
	})
	return rows, hs
}

// handlingWords says which handling time a department's items are
// forecast with: the measured median and p80, or the promised days when
// the department has too few approved items yet.
func handlingWords(h api.Handling, promised int) string {
	if h.Measured {
		return fmt.Sprintf("实测中位 %d / 八成 %d 个工作日（%d 件）", h.MedianDays, h.P80Days, h.Samples)
	}
	return fmt.Sprintf("按承诺 %d 个工作日（已办结 %d 件，不足 5 件未实测）", promised, h.Samples)
}
