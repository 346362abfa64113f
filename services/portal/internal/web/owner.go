package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

const projectsPerPage = 20

type projectsData struct {
	Projects []projectRow
	Paging   paging
	// Registered is the code just registered: its ledger follows shortly.
	Registered             string
	CanRegister, CanImport bool
}

type projectRow struct {
	api.Project
	OfficerName string
}

// projects lists the user's projects: intake narrows the list to an
// owner's organisation (an officer's own projects).
func (s *Server) projects(w http.ResponseWriter, r *http.Request, se session) error {
	pg := pageOf(r)
	l, err := s.api.Projects(r.Context(), se.Token, projectsPerPage, pg.offset(projectsPerPage))
	if err != nil {
		return err
	}
	d := projectsData{Paging: pg.of(l.Total, projectsPerPage, r), Registered: r.URL.Query().Get("registered"),
		CanRegister: has(se.User, "owner", "officer", "supervisor"), CanImport: has(se.User, "officer", "supervisor")}
	for _, p := range l.Items {
		d.Projects = append(d.Projects, projectRow{Project: p, OfficerName: s.officerName(p.Officer)})
	}
	title := "我的项目"
	if !has(se.User, "owner", "officer") {
		title = "项目"
	}
	s.render(w, r, http.StatusOK, "projects", title, d)
	return nil
}

type projectData struct {
	Status      api.ProjectStatus
	Ledger      api.Ledger
	OfficerName string
	Owed        []owedRow
	NextDue     string
	Provisional bool
	Groups      []itemGroup
	Problems    []problemRow
	Tasks       []api.Task
	Forms       projectForms
	Done        string
	Forecast    *forecastView
	// What the user may do here, as the ledger's access rules say.
	CanRaise, CanReassign, CanRequest bool
	Departments, Officers, Items      []option
	// The choices of the problem forms.
	Escalations, EscalationsKeep, ProblemStatuses []option
}

type problemRow struct {
	api.Problem
	DepartmentName, EscalationName, StatusName string
	CanUpdate                                  bool
}

type owedRow struct {
	api.Owed
	Who         string
	Provisional bool
}

type itemGroup struct {
	Title string
	Items []itemRow
}

type itemRow struct {
	api.Item
	DepartmentName string
	Provisional    bool
}

// project is a project as its owner follows it: how many items are done,
// under way and waiting, who owes what by when, and every item; for its
// officer also the ledger's problems and tasks.
func (s *Server) project(w http.ResponseWriter, r *http.Request, se session) error {
	return s.projectPage(w, r, se, http.StatusOK, emptyProjectForms())
}

var doneWords = map[string]string{"problem": "问题已登记到问题台账。", "measure": "已记录。", "officer": "推进专员已调整。"}

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request, se session, status int, fs projectForms) error {
	code := r.PathValue("code")
	st, err := s.api.ProjectStatus(r.Context(), se.Token, code)
	if err != nil {
		return err
	}
	l, err := s.api.Ledger(r.Context(), se.Token, code)
	if err != nil {
		return err
	}
	d := projectData{Status: st, Ledger: l, OfficerName: s.officerName(l.Officer), NextDue: dueDayOf(st.NextDue),
		Provisional: s.provisional(st.NextDue), Tasks: l.Tasks, Forms: fs, Done: doneWords[r.URL.Query().Get("done")],
		CanRaise: has(se.User, "owner", "officer", "supervisor"), CanReassign: has(se.User, "supervisor"),
		CanRequest: has(se.User, "owner", "officer"), Escalations: escalations, ProblemStatuses: problemStatuses,
		EscalationsKeep: append([]option{{Value: "", Label: "不变"}}, escalations...)}
	for _, o := range st.Owed {
		who := s.departmentName(o.Department)
		if o.By == "owner" {
			who = "建设单位（贵单位）"
		}
		d.Owed = append(d.Owed, owedRow{Owed: o, Who: who, Provisional: s.provisional(o.Due)})
	}
	d.Groups = s.groupItems(l.Items)
	d.Forecast = s.forecastOf(l.Forecast)
	for _, p := range l.Problems {
		d.Problems = append(d.Problems, problemRow{Problem: p, DepartmentName: s.departmentName(p.Department),
			EscalationName: optionLabel(escalations, p.Escalation), StatusName: optionLabel(problemStatuses, p.Status),
			CanUpdate: has(se.User, "officer", "supervisor") || (has(se.User, "clerk", "leader") && se.User.Department == p.Department)})
	}
	d.Departments = []option{{Value: "", Label: "请选择"}}
	if s.org != nil {
		for _, dep := range s.org.Departments {
			d.Departments = append(d.Departments, option{Value: dep.Code, Label: dep.Name})
		}
		for _, o := range s.org.Officers {
			d.Officers = append(d.Officers, option{Value: o.Code, Label: o.Name, Selected: o.Code == l.Officer})
		}
	}
	d.Items = []option{{Value: "", Label: "（不涉及具体事项）"}}
	for _, it := range l.Items {
		d.Items = append(d.Items, option{Value: it.ID, Label: it.Name})
	}
	s.render(w, r, status, "project", st.Name, d)
	return nil
}

// groupItems sorts a ledger's items into what is under way, waiting, done
// and refused, as the status counts them.
func (s *Server) groupItems(items []api.Item) []itemGroup {
	groups := []itemGroup{{Title: "办理中"}, {Title: "等待前置事项"}, {Title: "已办结"}, {Title: "不予许可或已撤回"}, {Title: "谋划储备中"}}
	for _, it := range items {
		row := itemRow{Item: it, DepartmentName: s.departmentName(it.Department), Provisional: s.provisional(it.Due)}
		i := 0
		switch it.Status {
		case "waiting":
			i = 1
		case "approved":
			i = 2
		case "rejected", "withdrawn":
			i = 3
		case "planned":
			i = 4
		}
		groups[i].Items = append(groups[i].Items, row)
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Items) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// page is the 1-based page number of a list, from ?page=.
type page int

func pageOf(r *http.Request) page {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return page(n)
}

func (p page) offset(per int) int { return (int(p) - 1) * per }

// paging is the navigation of a list's pages.
type paging struct {
	Page, Pages, Total int
	Prev, Next         string
}

func (p page) of(total, per int, r *http.Request) paging {
	pages := max(1, (total+per-1)/per)
	pg := paging{Page: int(p), Pages: pages, Total: total}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if int(p) > 1 {
		pg.Prev = link(min(int(p)-1, pages))
	}
	if int(p) < pages {
		pg.Next = link(int(p) + 1)
	}
	return pg
}

// dueDayOf is the last day of a limit that may not be set.
func dueDayOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return dueDay(*t)
}
