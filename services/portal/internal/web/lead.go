package web

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// ladder is the escalation ladder (红黄灯 → 催办 → 督办 → 约谈 → 提级), in
// order; a clock's place on it is its level.
var ladder = []struct{ Level, Name string }{{"yellow", "黄灯"}, {"red", "红灯"}, {"urge", "催办"}, {"supervise", "督办"},
	{"interview", "约谈"}, {"escalate", "提级"}}

func rung(level string) int {
	for i, l := range ladder {
		if l.Level == level {
			return i
		}
	}
	return -1
}

func ladderName(level string) string {
	if i := rung(level); i >= 0 {
		return ladder[i].Name
	}
	return level
}

type boardData struct {
	Departments []boardDepartment
	Ladder      []struct{ Level, Name string }
	Missing     []string
	Red, Yellow int
}

type boardDepartment struct {
	Code, Name  string
	Red, Yellow int
	Rows        []boardRow
}

type boardRow struct {
	api.Clock
	Mark, MarkWords, Next string
}

// boardDepartments are the departments whose board the user sees: a
// leader's own, everyone's for a supervisor, secretary or officer.
func (s *Server) boardDepartments(u api.User) []string {
	if has(u, "supervisor", "secretary", "officer") && s.org != nil {
		return s.org.DepartmentCodes()
	}
	if u.Department != "" {
		return []string{u.Department}
	}
	return nil
}

// board is the red/yellow board: per department the clocks at yellow or
// worse, the worst first, each with its place on the ladder and the next
// step due.
func (s *Server) board(w http.ResponseWriter, r *http.Request, se session) error {
	depts := s.boardDepartments(se.User)
	if len(depts) == 0 || !has(se.User, "leader", "supervisor", "secretary", "officer") {
		s.forbidden(w, r, "部门负责人、督导、会议秘书和推进专员")
		return nil
	}
	d := boardData{Ladder: ladder}
	for _, code := range depts {
		clocks, err := s.lead.Clocks(r.Context(), se.Token, code)
		if err != nil {
			if api.StatusOf(err) == http.StatusUnauthorized {
				return err
			}
			s.log.WarnContext(r.Context(), "board without a department", "department", code, "err", err)
			d.Missing = append(d.Missing, s.departmentName(code))
			continue
		}
		bd := boardDepartment{Code: code, Name: s.departmentName(code)}
		sort.SliceStable(clocks, func(i, j int) bool { return rung(clocks[i].Level) > rung(clocks[j].Level) })
		for _, c := range clocks {
			row := boardRow{Clock: c}
			row.Mark, row.MarkWords = levelMark(c.Level)
			if c.NextLevel != "" && !c.NextAt.IsZero() {
				row.Next = ladderName(c.NextLevel) + " · " + fmtTime(&c.NextAt, "2006-01-02")
			}
			if row.Mark == "red" {
				bd.Red++
			} else {
				bd.Yellow++
			}
			bd.Rows = append(bd.Rows, row)
		}
		d.Red, d.Yellow = d.Red+bd.Red, d.Yellow+bd.Yellow
		d.Departments = append(d.Departments, bd)
	}
	sort.SliceStable(d.Departments, func(i, j int) bool { return d.Departments[i].Red > d.Departments[j].Red })
	s.render(w, r, http.StatusOK, "board", "红黄灯督办", d)
	return nil
}

type bulletinData struct {
	Month string
	Rows  []bulletinRow
}

type bulletinRow struct {
	api.DepartmentMonth
	Rank int
	Name string
}

var monthRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// bulletin is the month's 通报: departments ranked by their on-time rate.
func (s *Server) bulletin(w http.ResponseWriter, r *http.Request, se session) error {
	month := r.URL.Query().Get("month")
	if !monthRE.MatchString(month) {
		month = s.now().In(beijing).Format("2006-01")
	}
	m, err := s.lead.Monthly(r.Context(), se.Token, month)
	if err != nil {
		return err
	}
	rows := m.Departments
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].OnTimeRate != rows[j].OnTimeRate {
			return rows[i].OnTimeRate > rows[j].OnTimeRate
		}
		return rows[i].PendingNow < rows[j].PendingNow
	})
	d := bulletinData{Month: month}
	for i, row := range rows {
		d.Rows = append(d.Rows, bulletinRow{DepartmentMonth: row, Rank: i + 1, Name: s.departmentName(row.Department)})
	}
	s.render(w, r, http.StatusOK, "bulletin", "部门办理情况通报", d)
	return nil
}

type briefingData struct {
	Kind, Period, Text string
	Query              string
}

var dayRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// briefing is the leaders' weekly or monthly briefing (简报), as the
// ledger writes it, with its workbook for download.
func (s *Server) briefing(w http.ResponseWriter, r *http.Request, se session) error {
	d := briefingData{Kind: "weekly"}
	q := url.Values{}
	if r.URL.Query().Get("kind") == "monthly" {
		d.Kind = "monthly"
		if m := r.URL.Query().Get("month"); monthRE.MatchString(m) {
			q.Set("month", m)
			d.Period = m
		}
	} else if day := r.URL.Query().Get("day"); dayRE.MatchString(day) {
		q.Set("day", day)
		d.Period = day
	}
	d.Query = q.Encode()
	text, err := s.lead.Briefing(r.Context(), se.Token, d.Kind, q)
	if err != nil {
		return err
	}
	d.Text = text
	s.render(w, r, http.StatusOK, "briefing", "简报", d)
	return nil
}

// localDateTime reads a datetime-local field (Beijing time).
func localDateTime(v string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02T15:04", v, beijing)
	return t, err == nil
}
