package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

var requestFields = []string{"project_code", "kind", "title", "description", "contact", "phone"}

type requestFormData struct {
	Form    form
	Project api.Project
	Kinds   []option
	// Key is the form's Idempotency-Key: sending the same form twice (a
	// double click, a reload) makes one request.
	Key string
}

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, se session, status int, f form, key string) error {
	code := r.PathValue("code")
	l, err := s.api.Ledger(r.Context(), se.Token, code)
	if err != nil {
		return err
	}
	s.render(w, r, status, "request_new", "提交服务诉求", requestFormData{Form: f, Key: key,
		Project: api.Project{Code: l.Code, Name: l.Name}, Kinds: append([]option{{Value: "", Label: "请选择"}}, requestKinds...)})
	return nil
}

// requestForm is the form of a service request on a project.
func (s *Server) requestForm(w http.ResponseWriter, r *http.Request, se session) error {
	if !has(se.User, "owner", "officer") {
		s.forbidden(w, r, "企业和推进专员")
		return nil
	}
	f := newForm(url.Values{"contact": {se.User.Name}}, requestFields...)
	return s.requestPage(w, r, se, http.StatusOK, f, randomID())
}

// submitRequest posts the request at intake and shows it with the
// one-time notice; a refusal shows the form again with the reason next to
// its field, and nothing is posted.
func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request, se session) error {
	f := newForm(r.PostForm, requestFields...)
	v := func(n string) string { return strings.TrimSpace(f.Val(n)) }
	key := r.PostFormValue("key")
	if len(key) < 20 || len(key) > 100 {
		key = randomID()
	}
	req := api.ServiceRequest{ProjectCode: r.PathValue("code"), Kind: v("kind"), Title: v("title"),
		Description: v("description"), Contact: v("contact"), Phone: v("phone")}
	got, err := s.forms.SubmitRequest(r.Context(), se.Token, key, req)
	if err != nil {
		if api.StatusOf(err) == http.StatusUnauthorized {
			return err
		}
		f.refuse(explainForm(err))
		return s.requestPage(w, r, se, f.Problem.Status, f, key)
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(got.ID)+"?sent=1", http.StatusSeeOther)
	return nil
}

type requestData struct {
	Request     api.ServiceRequest
	ProjectName string
	Sent        bool
	Notice      []noticeRow
	// Confirmed: the officer took the request on and recorded this
	// notice; before that it is what the catalog says the project needs.
	Confirmed bool
	Officer   string
	// CanRate: the user owns the project and the officer has closed the
	// request, which is not rated yet; Rate is the rating form, Rated says
	// the rating was just recorded.
	CanRate bool
	Rate    form
	Scores  []option
	Rated   bool
}

type noticeRow struct {
	api.NoticeLine
	DepartmentName string
}

// request is a service request as its owner follows it: where it stands,
// the officer's steps, and the one-time notice (一次性告知) of what the
// project still needs — materials and time limits of every item.
func (s *Server) request(w http.ResponseWriter, r *http.Request, se session) error {
	return s.requestView(w, r, se, http.StatusOK, newForm(nil, ratingFields...))
}

func (s *Server) requestView(w http.ResponseWriter, r *http.Request, se session, status int, rate form) error {
	req, err := s.forms.Request(r.Context(), se.Token, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := requestData{Request: req, Sent: r.URL.Query().Has("sent"), Rated: r.URL.Query().Has("rated"),
		CanRate: canRate(se.User, req), Rate: rate, Scores: scores}
	l, err := s.api.Ledger(r.Context(), se.Token, req.ProjectCode)
	if err != nil {
		if api.StatusOf(err) == http.StatusUnauthorized {
			return err
		}
		s.log.WarnContext(r.Context(), "request without its notice", "request", req.ID, "err", err)
	} else {
		d.ProjectName, d.Officer = l.Name, s.officerName(l.Officer)
		lines, confirmed, err := s.noticeOf(r, se, l, req.ID)
		if err != nil {
			s.log.WarnContext(r.Context(), "request without the catalog's notice", "request", req.ID, "err", err)
		}
		d.Confirmed = confirmed
		for _, n := range lines {
			d.Notice = append(d.Notice, noticeRow{NoticeLine: n, DepartmentName: s.departmentName(n.Department)})
		}
	}
	s.render(w, r, status, "request", req.Title, d)
	return nil
}

// noticeOf is the one-time notice of request id: the officer's, once the
// request is taken on; before, the same lines as the ledger writes them
// (every item not yet approved, its materials from the catalog, its limit).
func (s *Server) noticeOf(r *http.Request, se session, l api.Ledger, id string) ([]api.NoticeLine, bool, error) {
	for _, t := range l.Tasks {
		if t.ID == id && len(t.Notice) > 0 {
			return t.Notice, true, nil
		}
	}
	cat, err := s.forms.Catalog(r.Context(), se.Token)
	if err != nil {
		return nil, false, err
	}
	materials := map[string][]string{}
	for _, c := range cat {
		materials[c.Key] = c.Materials
	}
	var out []api.NoticeLine
	for _, it := range l.Items {
		if it.Status == "approved" {
			continue
		}
		limit := fmt.Sprintf("%d个工作日", it.PromisedDays)
		if it.Immediate {
			limit = "即办"
		}
		out = append(out, api.NoticeLine{Item: it.Name, Department: it.Department, TimeLimit: limit,
			Materials: materials[it.Type], Status: it.Status})
	}
	return out, false, nil
}
