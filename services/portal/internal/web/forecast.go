package web

import (
	"strconv"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// forecastView is the ledger's start-date forecast (预计开工) as the
// project page shows it: the days, the light against the planned start
// in words, and the critical path with department names.
type forecastView struct {
	api.Forecast
	Path       []forecastStep
	LightClass string
	LightWords string
}

type forecastStep struct {
	api.ForecastStep
	DepartmentName string
}

// forecastOf is f for the page; nil when the ledger has none.
func (s *Server) forecastOf(f *api.Forecast) *forecastView {
	if f == nil {
		return nil
	}
	v := &forecastView{Forecast: *f}
	for _, st := range f.CriticalPath {
		v.Path = append(v.Path, forecastStep{ForecastStep: st, DepartmentName: s.departmentName(st.Department)})
	}
	switch {
	case f.PlannedStart == "" || f.Done:
	case f.Late || f.Light == "yellow":
		v.LightClass, v.LightWords = "yellow", "黄灯·预计晚于计划开工"
		if f.LateDays > 0 {
			v.LightWords += " " + strconv.Itoa(f.LateDays) + " 个工作日"
		}
	default:
		v.LightClass, v.LightWords = "green", "按计划·预计不晚于计划开工"
	}
	return v
}
