package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

type loginData struct {
	Next     string
	Username string
	Notice   string
	Problem  *problem
}

// loginForm shows the sign-in form. The browser gets a pre-sign-in cookie
// here, which the form's CSRF token is bound to.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := readSession(r, s.now()); ok {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.ensurePre(w, r)
	d := loginData{Next: localPath(r.URL.Query().Get("next"))}
	if r.URL.Query().Has("out") {
		d.Notice = "您已安全退出。"
	} else if r.URL.Query().Has("next") && d.Next != "/" {
		d.Notice = "请先登录，登录后将回到您要访问的页面。"
	}
	s.render(w, r, http.StatusOK, "login", "登录", d)
}

// ensurePre gives the browser a pre-sign-in id unless it has one; the
// request is changed to carry it, so this very page's token matches.
func (s *Server) ensurePre(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(preCookie); err == nil && c.Value != "" {
		return
	}
	id := randomID()
	s.cookies.set(w, r, preCookie, id, 2*time.Hour)
	r.AddCookie(&http.Cookie{Name: preCookie, Value: id})
}

// login signs the user in at the issuer and keeps the token in the
// session cookie for as long as the token is valid.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	d := loginData{Next: localPath(r.PostFormValue("next")), Username: strings.TrimSpace(r.PostFormValue("username"))}
	pre, err := r.Cookie(preCookie)
	if err != nil || !s.csrf.valid("login", pre.Value, r.PostFormValue(csrfField)) {
		s.ensurePre(w, r)
		d.Problem = &problem{Status: http.StatusForbidden, Message: "登录页面已过期，请重新输入并提交。"}
		s.render(w, r, http.StatusForbidden, "login", "登录", d)
		return
	}
	password := r.PostFormValue("password")
	switch {
	case d.Username == "":
		d.Problem = &problem{Status: http.StatusUnprocessableEntity, Message: "请填写用户名。", Field: "username"}
	case password == "":
		d.Problem = &problem{Status: http.StatusUnprocessableEntity, Message: "请填写密码。", Field: "password"}
	}
	if d.Problem != nil {
		s.render(w, r, d.Problem.Status, "login", "登录", d)
		return
	}
	sess, err := s.api.Login(r.Context(), d.Username, password)
	if err != nil {
		p := explain(err, "")
		if api.StatusOf(err) == http.StatusUnauthorized {
			p = problem{Status: http.StatusUnauthorized, Message: "用户名或密码不正确，请重新输入。", Field: "password"}
		} else {
			s.log.WarnContext(r.Context(), "sign-in failed", "err", err)
		}
		d.Problem = &p
		s.render(w, r, p.Status, "login", "登录", d)
		return
	}
	ttl := time.Duration(sess.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = time.Hour
	}
	s.cookies.set(w, r, sessionCookie, sess.Token, ttl)
	s.cookies.clear(w, r, preCookie)
	s.log.InfoContext(r.Context(), "signed in", "sub", sess.User.Subject, "roles", sess.User.Roles)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// logout forgets the token. It is a POST with the session's CSRF token, so
// no other site can sign the user out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if se, ok := readSession(r, s.now()); ok && !s.csrf.valid("session", se.Token, r.PostFormValue(csrfField)) {
		s.errorPage(w, r, problem{Status: http.StatusForbidden, Message: "页面已过期或来源不明，请返回刷新后重新提交。"})
		return
	}
	s.cookies.clear(w, r, sessionCookie)
	http.Redirect(w, r, "/login?out=1", http.StatusSeeOther)
}
