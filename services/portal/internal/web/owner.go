package web

import (
	"net/http"
	"strconv"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

const projectsPerPage = 20

type projectsData struct {
	Projects []projectRow
	Paging   paging
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
	d := projectsData{Paging: pg.of(l.Total, projectsPerPage, r)}
	for _, p := range l.Items {
		d.Projects = append(d.Projects, projectRow{Project: p, OfficerName: s.officerName(p.Officer)})
	}
	s.render(w, r, http.StatusOK, "projects", "我的项目", d)
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
// under way and waiting, who owes what by when, and every item.
func (s *Server) project(w http.ResponseWriter, r *http.Request, se session) error {
	code := r.PathValue("code")
	st, err := s.api.ProjectStatus(r.Context(), se.Token, code)
	if err != nil {
		return err
	}
	l, err := s.api.Ledger(r.Context(), se.Token, code)
	if err != nil {
		return err
	}
	d := projectData{Status: st, Ledger: l, OfficerName: s.officerName(l.Officer), NextDue: fmtTime(st.NextDue, "2006-01-02"),
		Provisional: s.provisional(st.NextDue)}
	for _, o := range st.Owed {
		who := s.departmentName(o.Department)
		if o.By == "owner" {
			who = "建设单位（贵单位）"
		}
		d.Owed = append(d.Owed, owedRow{Owed: o, Who: who, Provisional: s.provisional(o.Due)})
	}
	d.Groups = s.groupItems(l.Items)
	s.render(w, r, http.StatusOK, "project", st.Name, d)
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
