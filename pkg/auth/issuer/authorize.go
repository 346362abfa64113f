package issuer

import (
	"crypto/subtle"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

var pages = template.Must(template.ParseFS(templateFiles, "templates/*.html"))

// csrfCookie carries the sign-in form's double-submit token: the form's
// hidden field must equal it, and no other site can read or set it.
const csrfCookie = "tuijin_issuer_csrf"

// authRequest is an authorization request (OpenID Connect Core §3.1.2.1
// with PKCE, RFC 7636), as the query of GET /authorize and again as the
// hidden fields of the sign-in form.
type authRequest struct {
	ResponseType string
	ClientID     string
	RedirectURI  string
	Scope        string
	State        string
	Nonce        string
	Challenge    string
	Method       string
}

func authRequestOf(v url.Values) authRequest {
	return authRequest{ResponseType: v.Get("response_type"), ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"),
		Scope: v.Get("scope"), State: v.Get("state"), Nonce: v.Get("nonce"), Challenge: v.Get("code_challenge"),
		Method: v.Get("code_challenge_method")}
}

// refusal is why an authorization request is refused. Without a known
// client and one of its redirect URIs the browser is not sent anywhere
// (RFC 6749 §4.1.2.1): the issuer shows Page. Otherwise the client hears
// Code at its redirect URI.
type refusal struct {
	Page string
	Code string
	Desc string
}

// check validates the request against the registered clients.
func (is *Issuer) check(req authRequest) (Client, *refusal) {
	c, ok := is.client(req.ClientID)
	if !ok {
		return Client{}, &refusal{Page: "登录请求来自未登记的应用，已拒绝。"}
	}
	if !c.allows(req.RedirectURI) {
		return Client{}, &refusal{Page: "登录后的返回地址未登记，已拒绝。"}
	}
	switch {
	case req.ResponseType != "code":
		return c, &refusal{Code: "unsupported_response_type", Desc: "only response_type=code is offered"}
	case !hasScope(req.Scope, "openid"):
		return c, &refusal{Code: "invalid_scope", Desc: "scope must include openid"}
	case req.Method != "S256" || len(req.Challenge) != 43:
		return c, &refusal{Code: "invalid_request", Desc: "PKCE with code_challenge_method=S256 is required"}
	case len(req.State) > 512 || len(req.Nonce) > 512:
		return c, &refusal{Code: "invalid_request", Desc: "state or nonce too long"}
	}
	return c, nil
}

func (is *Issuer) client(id string) (Client, bool) {
	for _, c := range is.Clients {
		if c.ID == id && id != "" {
			return c, true
		}
	}
	return Client{}, false
}

func hasScope(scope, want string) bool {
	for _, s := range strings.Fields(scope) {
		if s == want {
			return true
		}
	}
	return false
}

// loginPage is what the sign-in form shows.
type loginPage struct {
	Req        authRequest
	ClientName string
	CSRF       string
	Username   string
	Problem    string
	Field      string
}

// authorize shows the sign-in form for a valid authorization request.
func (is *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	req := authRequestOf(r.URL.Query())
	if _, ref := is.check(req); ref != nil {
		is.refuse(w, r, req, ref)
		return
	}
	is.showLogin(w, r, http.StatusOK, loginPage{Req: req})
}

// signIn checks the form's token and the account, and sends the browser
// back to the client with a one-time code.
func (is *Issuer) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		is.refusedPage(w, http.StatusBadRequest, "提交的内容过长或格式有误。")
		return
	}
	req := authRequestOf(r.PostForm)
	if _, ref := is.check(req); ref != nil {
		is.refuse(w, r, req, ref)
		return
	}
	d := loginPage{Req: req, Username: strings.TrimSpace(r.PostFormValue("username"))}
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		d.Problem = "登录页面已过期，请重新输入并提交。"
		is.showLogin(w, r, http.StatusForbidden, d)
		return
	}
	password := r.PostFormValue("password")
	switch {
	case d.Username == "":
		d.Problem, d.Field = "请填写用户名。", "username"
	case password == "":
		d.Problem, d.Field = "请填写密码。", "password"
	}
	if d.Problem != "" {
		is.showLogin(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	claims, ok := is.Accounts.Check(d.Username, password)
	if !ok {
		is.Log.Warn("sign-in refused", "username", d.Username, "client", req.ClientID)
		d.Problem, d.Field = "用户名或密码不正确，请重新输入。", "password"
		is.showLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	code, err := is.codes.issue(grant{clientID: req.ClientID, redirectURI: req.RedirectURI, challenge: req.Challenge,
		nonce: req.Nonce, claims: claims, expires: is.now().Add(is.codeTTL())}, is.now())
	if err != nil {
		is.Log.Error("sign-in", "err", err)
		is.redirect(w, r, req, url.Values{"error": {"temporarily_unavailable"}})
		return
	}
	is.Log.Info("signed in", "sub", claims.Subject, "client", req.ClientID)
	is.redirect(w, r, req, url.Values{"code": {code}})
}

func (is *Issuer) codeTTL() time.Duration {
	if is.CodeTTL > 0 {
		return is.CodeTTL
	}
	return DefaultCodeTTL
}

// refuse shows a refusal that may not leave the issuer, or tells the
// client at its registered redirect URI.
func (is *Issuer) refuse(w http.ResponseWriter, r *http.Request, req authRequest, ref *refusal) {
	if ref.Page != "" {
		is.Log.Warn("authorization request refused", "client", req.ClientID, "redirect_uri", req.RedirectURI)
		is.refusedPage(w, http.StatusBadRequest, ref.Page)
		return
	}
	is.redirect(w, r, req, url.Values{"error": {ref.Code}, "error_description": {ref.Desc}})
}

// redirect sends the browser to the request's (registered) redirect URI
// with params and the request's state.
func (is *Issuer) redirect(w http.ResponseWriter, r *http.Request, req authRequest, params url.Values) {
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		is.refusedPage(w, http.StatusBadRequest, "登录后的返回地址有误。")
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (is *Issuer) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginPage) {
	token := ""
	if c, err := r.Cookie(csrfCookie); err == nil && c.Value != "" {
		token = c.Value
	} else {
		token = randomToken()
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: token, Path: "/authorize", MaxAge: 3600,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	}
	d.CSRF = token
	d.ClientName = d.Req.ClientID
	is.page(w, status, "authorize.html", d)
}

func (is *Issuer) refusedPage(w http.ResponseWriter, status int, msg string) {
	is.page(w, status, "refused.html", msg)
}

func (is *Issuer) page(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// No script at all; the sign-in form may be framed by nobody.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		is.Log.Error("render", "page", name, "err", err)
	}
}
