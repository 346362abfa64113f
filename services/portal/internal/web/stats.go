package web

import (
	"net/http"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// statsData is the month's statistics (月度统计, reported by the 25th):
// per department and per officer, as the ledger counts them.
type statsData struct {
	Month       string
	MonthError  string
	Departments []statsDepartment
	Officers    []statsOfficer
}

type statsDepartment struct {
	api.DepartmentMonth
	Name string
	// Late are the items decided in the month after their due date.
	Late int
}

type statsOfficer struct {
	api.OfficerMonth
	Name string
}

// stats is the officers', leaders' and supervisors' monthly statistics
// with the month picker and the ledger's workbook of the same month.
func (s *Server) stats(w http.ResponseWriter, r *http.Request, se session) error {
	if !has(se.User, "officer", "leader", "supervisor") {
		s.forbidden(w, r, "推进专员、部门负责人和督导")
		return nil
	}
	d := statsData{Month: r.URL.Query().Get("month")}
	if !monthRE.MatchString(d.Month) {
		if d.Month != "" {
			d.MonthError = "请选择月份（如 2026-11），下面是本月的统计。"
		}
		d.Month = s.now().In(beijing).Format("2006-01")
	}
	m, err := s.lead.Monthly(r.Context(), se.Token, d.Month)
	if err != nil {
		return err
	}
	d.Departments, d.Officers = s.statsRows(m)
	s.render(w, r, http.StatusOK, "stats", "月度统计", d)
	return nil
}

// statsRows are m's figures with names, in the ledger's order.
func (s *Server) statsRows(m api.Monthly) ([]statsDepartment, []statsOfficer) {
	var ds []statsDepartment
	for _, dm := range m.Departments {
		ds = append(ds, statsDepartment{DepartmentMonth: dm, Name: s.departmentName(dm.Department),
			Late: max(dm.ItemsCompleted-dm.CompletedOnTime, 0)})
	}
	var os []statsOfficer
	for _, om := range m.Officers {
		os = append(os, statsOfficer{OfficerMonth: om, Name: s.officerName(om.Officer)})
	}
	return ds, os
}
