package web

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/portal/internal/api"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFS embed.FS

// beijing is the time zone every date on a page is shown in.
var beijing = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// pages are the page templates, each parsed with the layout.
type pages struct {
	byName map[string]*template.Template
}

func loadPages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		p.byName[name] = t
	}
	return p, nil
}

var funcs = template.FuncMap{
	"date":          func(t *time.Time) string { return fmtTime(t, "2006-01-02") },
	"day":           func(t time.Time) string { return fmtTime(&t, "2006-01-02") },
	"datetime":      func(t time.Time) string { return fmtTime(&t, "2006-01-02 15:04") },
	"dueDay":        dueDay,
	"checkResult":   checkResultName,
	"actionStatus":  func(s string) string { return actionStatuses[s] },
	"actionChange":  func(c string) string { return cmp.Or(actionChanges[c], c) },
	"status":        statusName,
	"action":        actionName,
	"stage":         stageName,
	"needsNote":     func(a string) bool { return needsNote[a] },
	"add":           func(a, b int) int { return a + b },
	"joinWords":     func(ss []string) string { return strings.Join(ss, "、") },
	"investment":    func(w float64) string { return fmt.Sprintf("%g 万元", w) },
	"field":         fieldOf,
	"taskStatus":    func(s string) string { return taskStatusNames[s] },
	"taskAction":    func(a string) string { return taskActionNames[a] },
	"kindName":      func(k string) string { return optionLabel(requestKinds, k) },
	"meetingKind":   func(k string) string { return meetingKinds[k] },
	"meetingStatus": func(s string) string { return meetingStatuses[s] },
	"outcomeName":   func(o string) string { return optionLabel(outcomes, o) },
	"percent":       func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"dec":           func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"ladderName":    ladderName,
	"list":          func(v ...any) []any { return v },
	"stars":         func(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", max(0, 5-n)) },
}

// dueDay is the last day of a time limit: the services' due instants are
// the end of that day (midnight, Beijing time, of the next), so the day
// shown is the one before.
func dueDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	last := t.Add(-time.Nanosecond)
	return fmtTime(&last, "2006-01-02")
}

func fmtTime(t *time.Time, layout string) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(beijing).Format(layout)
}

// view is what every page's layout shows: who is signed in, the large-type
// choice, the CSRF token of the page's forms and the navigation.
type view struct {
	Title   string
	User    *api.User
	Who     string
	Large   bool
	CSRF    string
	Path    string
	Nav     []navLink
	Content any
}

type navLink struct {
	Href, Label string
	Current     bool
}

// render writes page name with status; a template error becomes the
// plain error page, so a half-written page never reaches the user.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, content any) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.log.Error("no template", "name", name)
		http.Error(w, "系统出现故障，请稍后再试。", http.StatusInternalServerError)
		return
	}
	v := view{Title: title, Path: r.URL.RequestURI(), Content: content}
	if c, err := r.Cookie(displayCookie); err == nil && c.Value == "large" {
		v.Large = true
	}
	if se, ok := readSession(r, s.now()); ok {
		u := se.User
		v.User = &u
		v.Who = s.who(u)
		v.CSRF = s.csrf.token("session", se.Token)
		v.Nav = s.nav(u, r.URL.Path)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.log.Error("render", "page", name, "err", err)
		http.Error(w, "系统出现故障，请稍后再试。", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show one person's work: never cached, never framed.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// who is how the header names the user: name, and the department or
// organisation they act for.
func (s *Server) who(u api.User) string {
	var role []string
	for _, r := range u.Roles {
		if n, ok := roleNames[r]; ok {
			role = append(role, n)
		}
	}
	where := u.Owner
	if u.Department != "" {
		where = s.departmentName(u.Department)
	}
	out := u.Name
	if out == "" {
		out = u.Subject
	}
	if where != "" && !strings.Contains(out, where) {
		out = where + " " + out
	}
	if len(role) > 0 {
		out += "（" + strings.Join(role, "、") + "）"
	}
	return out
}

func (s *Server) nav(u api.User, path string) []navLink {
	var links []navLink
	add := func(href, label string) {
		links = append(links, navLink{Href: href, Label: label,
			Current: path == href || strings.HasPrefix(path, href+"/")})
	}
	if has(u, "owner", "officer", "supervisor") {
		add("/projects", map[bool]string{true: "我的项目", false: "项目"}[has(u, "owner", "officer")])
	}
	if has(u, "owner") {
		add("/requests", "我的诉求")
	}
	if has(u, "officer", "supervisor") {
		add("/tasks", "服务诉求")
	}
	if has(u, "clerk", "leader") && u.Department != "" {
		add("/queue", "待办事项")
		add("/inbox", "部门消息")
	}
	if has(u, "leader", "supervisor", "secretary", "officer") {
		add("/board", "红黄灯")
	}
	if has(u, "leader", "supervisor", "officer") {
		add("/bulletin", "通报")
		add("/stats", "月度统计")
		add("/briefings", "简报")
	}
	if has(u, "officer", "clerk", "leader", "supervisor", "secretary") {
		add("/meetings", "会议")
	}
	if has(u, "supervisor", "secretary") || (has(u, "clerk", "leader") && u.Department != "") {
		add("/actions", "会议任务")
	}
	return links
}

func (s *Server) departmentName(code string) string {
	if s.org != nil {
		if d, ok := s.org.Department(code); ok {
			return d.Name
		}
	}
	return code
}

func (s *Server) officerName(code string) string {
	if s.org != nil {
		if o, ok := s.org.Officer(code); ok {
			return o.Name
		}
	}
	return code
}

// provisional reports whether due runs into a year the calendar has no
// official data for, so that the date may still move (暂定).
func (s *Server) provisional(due *time.Time) bool {
	if due == nil || s.cal == nil {
		return false
	}
	return len(workday.ProvisionalYears(s.cal, s.now(), *due)) > 0
}

func staticFiles() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
