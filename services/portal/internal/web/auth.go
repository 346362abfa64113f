package web

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/tuijin/tuijin/services/portal/internal/signin"
)

// SignIn is the OpenID Connect provider as the pages need it (package
// signin).
type SignIn interface {
	AuthURL(ctx context.Context, state, nonce, verifier string) (string, error)
	Exchange(ctx context.Context, code, verifier, nonce string) (signin.Tokens, error)
	EndSessionURL(ctx context.Context, back string) (string, bool)
	Origin() string
	ProviderOrigin() string
}

// contentPolicy is the pages' Content-Security-Policy. Forms post to the
// portal only; the provider's origin is allowed too because the browser
// applies form-action to where the answer redirects, and sign-out's
// answer may send it to the provider's end_session_endpoint.
func contentPolicy(si SignIn) string {
	forms := "'self'"
	if si != nil && si.ProviderOrigin() != "" {
		forms += " " + si.ProviderOrigin()
	}
	return "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action " + forms + "; frame-ancestors 'none'; base-uri 'none'"
}

// authCookie holds one sign-in under way: its state, nonce, PKCE verifier
// and the page to return to, signed with the portal's secret. It lives
// for authTTL and is sent back only to this site.
const (
	authCookie = "tuijin_auth"
	authTTL    = 10 * time.Minute
)

type pending struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

type loginData struct {
	Notice  string
	Problem *problem
}

// loginForm sends the browser to the provider's sign-in page, or shows
// the signed-out page (after sign-out, or when the provider cannot be
// reached) with a link to sign in.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := readSession(r, s.now()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if r.URL.Query().Has("out") {
		s.render(w, r, http.StatusOK, "login", "登录", loginData{Notice: "您已安全退出。"})
		return
	}
	if s.signin == nil {
		s.signedOut(w, r, http.StatusServiceUnavailable, "本门户未配置统一身份认证，暂时无法登录。")
		return
	}
	p := pending{State: randomID(), Nonce: randomID(), Verifier: oauth2.GenerateVerifier(), Next: next,
		Expires: s.now().Add(authTTL).Unix()}
	to, err := s.signin.AuthURL(r.Context(), p.State, p.Nonce, p.Verifier)
	if err != nil {
		s.log.WarnContext(r.Context(), "sign-in provider unavailable", "err", err)
		s.signedOut(w, r, http.StatusServiceUnavailable, "统一身份认证服务暂时无法访问，请稍后再试。")
		return
	}
	s.cookies.set(w, r, authCookie, s.sealPending(p), authTTL)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// callback completes a sign-in: the state must be the one this browser's
// cookie holds, the code is exchanged with its verifier, and the ID
// token must name this portal and carry the nonce. Only then does the
// access token become the session.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	s.cookies.clear(w, r, authCookie) // one use, whatever happens
	if s.signin == nil {
		s.signedOut(w, r, http.StatusServiceUnavailable, "本门户未配置统一身份认证，暂时无法登录。")
		return
	}
	q := r.URL.Query()
	p, ok := s.openPending(r)
	switch {
	case !ok:
		s.log.InfoContext(r.Context(), "sign-in callback without a sign-in under way")
		s.signedOut(w, r, http.StatusBadRequest, "登录请求已失效（超时，或已在其他窗口完成），请重新登录。")
		return
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.State)) != 1:
		s.log.WarnContext(r.Context(), "sign-in callback with a state not this browser's")
		s.signedOut(w, r, http.StatusBadRequest, "登录请求校验未通过，已拒绝。请重新登录。")
		return
	case q.Get("error") == "access_denied":
		s.signedOut(w, r, http.StatusUnauthorized, "登录已取消。")
		return
	case q.Get("error") != "" || q.Get("code") == "":
		s.log.WarnContext(r.Context(), "sign-in refused by the provider", "error", q.Get("error"), "desc", q.Get("error_description"))
		s.signedOut(w, r, http.StatusBadRequest, "统一身份认证未完成登录，请重新登录。")
		return
	}
	tok, err := s.signin.Exchange(r.Context(), q.Get("code"), p.Verifier, p.Nonce)
	if err != nil {
		if errors.Is(err, signin.ErrUnavailable) {
			s.log.WarnContext(r.Context(), "sign-in provider unavailable", "err", err)
			s.signedOut(w, r, http.StatusBadGateway, "统一身份认证服务暂时无法访问，请稍后重新登录。")
			return
		}
		s.log.WarnContext(r.Context(), "sign-in refused", "err", err)
		s.signedOut(w, r, http.StatusUnauthorized, "登录凭证校验未通过，请重新登录。")
		return
	}
	ttl := tok.Expiry.Sub(s.now())
	if tok.Expiry.IsZero() || ttl <= 0 {
		ttl = time.Hour
	}
	s.cookies.set(w, r, sessionCookie, tok.AccessToken, ttl)
	s.log.InfoContext(r.Context(), "signed in", "sub", tok.Subject)
	http.Redirect(w, r, localPath(p.Next), http.StatusSeeOther)
}

// signedOut shows the signed-out page with a problem in words and a link
// to sign in again.
func (s *Server) signedOut(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "login", "登录", loginData{Problem: &problem{Status: status, Message: msg}})
}

func (s *Server) sealPending(p pending) string {
	raw, _ := json.Marshal(p) // plain strings and a number
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + s.csrf.token("auth", payload)
}

// openPending returns the sign-in the request's cookie holds, if the
// portal signed it and it has not expired.
func (s *Server) openPending(r *http.Request) (pending, bool) {
	c, err := r.Cookie(authCookie)
	if err != nil {
		return pending{}, false
	}
	payload, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !s.csrf.valid("auth", payload, mac) {
		return pending{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	var p pending
	if err != nil || json.Unmarshal(raw, &p) != nil || p.State == "" || !s.now().Before(time.Unix(p.Expires, 0)) {
		return pending{}, false
	}
	return p, true
}

// logout forgets the token, and ends the provider's session too when it
// offers RP-initiated logout. It is a POST with the session's CSRF token,
// so no other site can sign the user out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if se, ok := readSession(r, s.now()); ok && !s.csrf.valid("session", se.Token, r.PostFormValue(csrfField)) {
		s.errorPage(w, r, problem{Status: http.StatusForbidden, Message: "页面已过期或来源不明，请返回刷新后重新提交。"})
		return
	}
	s.cookies.clear(w, r, sessionCookie)
	if s.signin != nil {
		if to, ok := s.signin.EndSessionURL(r.Context(), s.signin.Origin()+"/login?out=1"); ok {
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, "/login?out=1", http.StatusSeeOther)
}
