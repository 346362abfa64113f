// Package web is the portal's pages: server-rendered HTML in Chinese for
// the people of the key-project service, each page made from the
// services' APIs with the signed-in user's token. It keeps no business
// state; the only things it remembers are in the browser's cookies (the
// token and the large-type choice).
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// Backend is what the pages need of the services.
type Backend interface {
	Projects(ctx context.Context, token string, limit, offset int) (api.ProjectList, error)
	ProjectStatus(ctx context.Context, token, code string) (api.ProjectStatus, error)
	Ledger(ctx context.Context, token, code string) (api.Ledger, error)
	Queue(ctx context.Context, token string, q api.QueueQuery) (api.Queue, error)
	Act(ctx context.Context, token, id string, a api.Action) (api.ActionResult, error)
	Warnings(ctx context.Context, token, department string) ([]api.Deadline, error)
	Inbox(ctx context.Context, token, recipient string, limit int) (api.Inbox, error)
	MarkRead(ctx context.Context, token, id string) error
}

// Forms is what the owner's forms need of the services.
type Forms interface {
	RegisterProject(ctx context.Context, token string, p api.Registration) (api.Project, error)
	ImportProjects(ctx context.Context, token, contentType, key string, file []byte) (api.ImportResult, error)
	SubmitRequest(ctx context.Context, token, key string, r api.ServiceRequest) (api.ServiceRequest, error)
	Request(ctx context.Context, token, id string) (api.ServiceRequest, error)
	RateRequest(ctx context.Context, token, id string, r api.Rating) (api.ServiceRequest, error)
	Requests(ctx context.Context, token string, q api.RequestQuery) (api.RequestList, error)
	Catalog(ctx context.Context, token string) ([]api.CatalogItem, error)
}

// Work is what the officer's workbench needs of the services.
type Work interface {
	Tasks(ctx context.Context, token, officer string) ([]api.Task, error)
	ActOnTask(ctx context.Context, token, code, id string, a api.TaskAction) error
	RaiseProblem(ctx context.Context, token, code string, p api.NewProblem) error
	UpdateProblem(ctx context.Context, token, id string, u api.ProblemUpdate) error
	AssignOfficer(ctx context.Context, token, code string, o api.OfficerChange) error
	Download(ctx context.Context, svc api.Service, token, path string, q url.Values) (api.Download, error)
	FullForecast(ctx context.Context, token, code string) (api.FullForecast, error)
}

// Lead is what the leaders', supervisors' and secretary's pages need.
type Lead interface {
	Clocks(ctx context.Context, token, department string) ([]api.Clock, error)
	Monthly(ctx context.Context, token, month string) (api.Monthly, error)
	Briefing(ctx context.Context, token, kind string, q url.Values) (string, error)
	Meetings(ctx context.Context, token string, limit int) ([]api.Meeting, error)
	Meeting(ctx context.Context, token, id string) (api.Meeting, error)
	RecordMinutes(ctx context.Context, token, id string, m api.MinutesEntry) error
	ChangeAction(ctx context.Context, token, id, action string, c api.ActionChange) error
	MoveMeeting(ctx context.Context, token, id string, m api.MeetingMove) (api.Meeting, error)
	CancelMeeting(ctx context.Context, token, id string, m api.MeetingCancel) (api.Meeting, error)
	EditAgenda(ctx context.Context, token, id string, a api.AgendaEdit) (api.Meeting, error)
}

// Deps are what a Server is built from.
type Deps struct {
	Backend Backend
	Forms   Forms
	Work    Work
	Lead    Lead
	// SignIn is the OpenID Connect provider users sign in at; without it
	// the portal says it cannot sign anyone in.
	SignIn SignIn
	// Org names departments and officers.
	Org *org.Org
	// Calendar marks due dates that run into a year without official data
	// as provisional (暂定).
	Calendar workday.Calendar
	// Secret keys the CSRF tokens; at least 32 bytes.
	Secret []byte
	// SecureCookies marks cookies Secure even on plain HTTP (the portal
	// behind a TLS-terminating proxy).
	SecureCookies bool
	Log           *slog.Logger
	Now           func() time.Time
}

// Server serves the portal's pages.
type Server struct {
	api     Backend
	forms   Forms
	work    Work
	lead    Lead
	signin  SignIn
	org     *org.Org
	cal     workday.Calendar
	csrf    csrf
	cookies cookies
	cop     *http.CrossOriginProtection
	pages   *pages
	csp     string
	log     *slog.Logger
	now     func() time.Time
}

// New returns the portal's server.
func New(d Deps) (*Server, error) {
	if len(d.Secret) < 32 {
		return nil, errors.New("portal: the CSRF secret needs at least 32 bytes")
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{api: d.Backend, forms: d.Forms, work: d.Work, lead: d.Lead, signin: d.SignIn, org: d.Org, cal: d.Calendar, csrf: csrf{secret: d.Secret},
		cookies: cookies{secure: d.SecureCookies}, cop: http.NewCrossOriginProtection(), pages: p, csp: contentPolicy(d.SignIn),
		log: d.Log, now: d.Now}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, problem{Status: http.StatusForbidden, Message: "请求来自其他网站，已被拒绝。请从本站页面重新提交。"})
	}))
	return s, nil
}

// Routes mounts the pages on mux (which also serves /metrics, /healthz and
// /readyz).
func (s *Server) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", staticFiles())
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("GET /auth/callback", s.callback)
	mux.Handle("POST /logout", s.post(s.logout))
	mux.HandleFunc("GET /display", s.display)
	mux.HandleFunc("GET /projects", s.signedIn(s.projects))
	mux.HandleFunc("GET /projects/new", s.signedIn(s.registerForm))
	mux.Handle("POST /projects/new", s.post(s.signedIn(s.register)))
	mux.HandleFunc("GET /projects/import", s.signedIn(s.importForm))
	mux.Handle("POST /projects/import", s.upload(s.signedIn(s.importList)))
	mux.HandleFunc("GET /projects/{code}", s.signedIn(s.project))
	mux.HandleFunc("GET /projects/{code}/forecast", s.signedIn(s.fullForecast))
	mux.Handle("POST /projects/{code}/problems", s.post(s.signedIn(s.raiseProblem)))
	mux.Handle("POST /projects/{code}/officer", s.post(s.signedIn(s.reassign)))
	mux.Handle("POST /problems/{id}/updates", s.post(s.signedIn(s.updateProblem)))
	mux.HandleFunc("GET /projects/{code}/requests/new", s.signedIn(s.requestForm))
	mux.Handle("POST /projects/{code}/requests/new", s.post(s.signedIn(s.submitRequest)))
	mux.HandleFunc("GET /requests", s.signedIn(s.requests))
	mux.HandleFunc("GET /requests/{id}", s.signedIn(s.request))
	mux.Handle("POST /requests/{id}/rating", s.post(s.signedIn(s.rateRequest)))
	mux.HandleFunc("GET /tasks", s.signedIn(s.tasks))
	mux.HandleFunc("GET /projects/{code}/tasks/{id}", s.signedIn(s.task))
	mux.Handle("POST /projects/{code}/tasks/{id}/actions", s.post(s.signedIn(s.actOnTask)))
	mux.HandleFunc("GET /exports/ledger.xlsx", s.signedIn(s.export(api.ServiceLedger,
		func(*http.Request) string { return "/v1/ledger.xlsx" }, "work_group", "department", "category")))
	mux.HandleFunc("GET /board", s.signedIn(s.board))
	mux.HandleFunc("GET /bulletin", s.signedIn(s.bulletin))
	mux.HandleFunc("GET /stats", s.signedIn(s.stats))
	mux.HandleFunc("GET /stats/monthly.xlsx", s.signedIn(s.export(api.ServiceLedger,
		func(*http.Request) string { return "/v1/stats/monthly.xlsx" }, "month")))
	mux.HandleFunc("GET /briefings", s.signedIn(s.briefing))
	mux.HandleFunc("GET /briefings/{kind}", s.signedIn(s.export(api.ServiceLedger,
		func(r *http.Request) string { return "/v1/briefings/" + r.PathValue("kind") }, "day", "month")))
	mux.HandleFunc("GET /meetings", s.signedIn(s.meetings))
	mux.HandleFunc("GET /meetings/{id}", s.signedIn(s.meeting))
	mux.Handle("POST /meetings/{id}/minutes", s.post(s.signedIn(s.recordMinutes)))
	mux.Handle("POST /meetings/{id}/move", s.post(s.signedIn(s.moveMeeting)))
	mux.Handle("POST /meetings/{id}/cancel", s.post(s.signedIn(s.cancelMeeting)))
	mux.Handle("POST /meetings/{id}/agenda", s.post(s.signedIn(s.addAgendaEntry)))
	mux.Handle("POST /meetings/{id}/agenda/{entry}/remove", s.post(s.signedIn(s.removeAgendaEntry)))
	mux.HandleFunc("GET /meetings/{id}/invite.ics", s.signedIn(s.export(api.ServiceMeeting,
		func(r *http.Request) string {
			return "/v1/meetings/" + url.PathEscape(r.PathValue("id")) + "/invite.ics"
		})))
	mux.HandleFunc("GET /actions", s.signedIn(s.actions))
	mux.Handle("POST /meetings/{id}/actions/{action}/{change}", s.post(s.signedIn(s.changeAction)))
	mux.HandleFunc("GET /queue", s.signedIn(s.queue))
	mux.HandleFunc("GET /items/{id}", s.signedIn(s.item))
	mux.Handle("POST /items/{id}/actions", s.post(s.signedIn(s.act)))
	mux.HandleFunc("GET /inbox", s.signedIn(s.inbox))
	mux.Handle("POST /inbox/{id}/read", s.post(s.signedIn(s.markRead)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, problem{Status: http.StatusNotFound, Message: "没有这个页面。"})
	})
}

// post guards a form's target: no cross-origin request reaches it, and
// the form must carry the CSRF token of the browser's session (checked by
// the handler, which knows which session).
func (s *Server) post(h http.HandlerFunc) http.Handler {
	return s.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.errorPage(w, r, problem{Status: http.StatusBadRequest, Message: "提交的内容过长或格式有误。"})
			return
		}
		h(w, r)
	}))
}

// upload guards a file upload as post guards a form, with room for the file.
func (s *Server) upload(h http.HandlerFunc) http.Handler {
	return s.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload+64<<10)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			s.errorPage(w, r, problem{Status: http.StatusRequestEntityTooLarge, Message: "上传的文件过大（不超过 8 MB）或格式有误。"})
			return
		}
		h(w, r)
	}))
}

type signedInHandler func(w http.ResponseWriter, r *http.Request, se session) error

// signedIn serves h to a signed-in user and sends anyone else to sign in,
// back to this page afterwards. A POST must carry the session's CSRF token.
// An upstream's 401 (the token expired or was revoked) also means signing
// in again.
func (s *Server) signedIn(h signedInHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se, ok := readSession(r, s.now())
		if !ok {
			s.toLogin(w, r)
			return
		}
		if r.Method == http.MethodPost && !s.csrf.valid("session", se.Token, r.PostFormValue(csrfField)) {
			s.errorPage(w, r, problem{Status: http.StatusForbidden, Message: "页面已过期或来源不明，请返回刷新后重新提交。"})
			return
		}
		if err := h(w, r, se); err != nil {
			if api.StatusOf(err) == http.StatusUnauthorized {
				s.cookies.clear(w, r, sessionCookie)
				s.toLogin(w, r)
				return
			}
			s.fail(w, r, err)
		}
	}
}

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = r.Referer()
		if u, err := url.Parse(next); err == nil {
			next = u.RequestURI()
		}
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(localPath(next)), http.StatusSeeOther)
}

// fail answers a page that could not be made with the error in words; the
// details go to the log only.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := explain(err, "")
	if p.Status >= 500 || api.StatusOf(err) >= 500 {
		s.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "err", err)
	} else {
		s.log.InfoContext(r.Context(), "page refused", "path", r.URL.Path, "err", err)
	}
	s.errorPage(w, r, p)
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, p problem) {
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	s.render(w, r, p.Status, "error", "出错了", errorData{Problem: p})
}

type errorData struct{ Problem problem }

// home sends each role to its own start page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	se, ok := readSession(r, s.now())
	if !ok {
		s.toLogin(w, r)
		return
	}
	switch {
	case has(se.User, "clerk", "leader") && se.User.Department != "":
		http.Redirect(w, r, "/queue", http.StatusSeeOther)
	case has(se.User, "owner", "officer"):
		http.Redirect(w, r, "/projects", http.StatusSeeOther)
	case has(se.User, "supervisor"):
		http.Redirect(w, r, "/board", http.StatusSeeOther)
	case has(se.User, "secretary"):
		http.Redirect(w, r, "/meetings", http.StatusSeeOther)
	default:
		s.render(w, r, http.StatusOK, "home", "工作台", nil)
	}
}

func has(u api.User, roles ...string) bool {
	for _, have := range u.Roles {
		for _, want := range roles {
			if have == want {
				return true
			}
		}
	}
	return false
}

// display switches large type (大字版) on or off and goes back.
func (s *Server) display(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("size") == "large" {
		s.cookies.set(w, r, displayCookie, "large", 365*24*time.Hour)
	} else {
		s.cookies.clear(w, r, displayCookie)
	}
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}
