package web

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/tuijin/tuijin/pkg/auth/issuer"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// rig is the portal's pages served over HTTP against a real issuer (in
// process, as in the local run); the services are not running, which the
// pages that need them must say in words.
type rig struct {
	t      *testing.T
	portal *httptest.Server
	client *http.Client
}

func newRig(t *testing.T, secure bool) *rig {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("tuijin-demo"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	accs, err := issuer.LoadAccounts(strings.NewReader(`accounts:
  - {username: zrzy-clerk, name: 自然资源和规划局经办人, roles: [clerk], department: zrzy, password_hash: "` + string(hash) + `"}
  - {username: zhineng, name: 王经理, roles: [owner], owner: 示范智能装备有限公司, password_hash: "` + string(hash) + `"}
`))
	if err != nil {
		t.Fatal(err)
	}
	key, err := issuer.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer.Issuer{Audience: "tuijin", TTL: time.Hour, Key: key, Accounts: accs, Log: slog.New(slog.DiscardHandler)}
	iss := httptest.NewUnstartedServer(is.Handler())
	is.URL = "http://" + iss.Listener.Addr().String()
	iss.Start()
	t.Cleanup(iss.Close)

	// Nothing listens on the services' address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	c, err := api.New(&http.Client{Timeout: 5 * time.Second}, api.Endpoints{Login: is.URL + "/v1/login",
		Intake: down, Ledger: down, Deadline: down, Meeting: down, Notification: down}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Backend: c, Forms: c, Work: c, Lead: c, Org: o, Secret: []byte(strings.Repeat("k", 32)), SecureCookies: secure,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Routes(mux)
	portal := httptest.NewServer(mux)
	t.Cleanup(portal.Close)
	jar, _ := cookiejar.New(nil)
	return &rig{t: t, portal: portal, client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (r *rig) get(path string) (*http.Response, string) {
	r.t.Helper()
	resp, err := r.client.Get(r.portal.URL + path)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp, body(r.t, resp)
}

func (r *rig) post(path string, form url.Values, header map[string]string) (*http.Response, string) {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.portal.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp, body(r.t, resp)
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field in the page:\n%s", page)
	}
	return m[1]
}

func cookieOf(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSignInAndOut(t *testing.T) {
	r := newRig(t, false)
	resp, page := r.get("/queue")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fqueue" {
		t.Fatalf("signed out /queue: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page = r.get("/login?next=%2Fqueue")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<html lang="zh-CN"`) ||
		!strings.Contains(page, `<label for="username">用户名</label>`) || !strings.Contains(page, `<label for="password">密码</label>`) {
		t.Fatalf("login form: %d\n%s", resp.StatusCode, page)
	}
	token := csrfOf(t, page)

	form := url.Values{"username": {"zrzy-clerk"}, "password": {"tuijin-demo"}, "next": {"/queue"}}
	if resp, page := r.post("/login", form, nil); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "登录页面已过期") {
		t.Fatalf("login without CSRF token: %d\n%s", resp.StatusCode, page)
	}
	form.Set("csrf", token)
	if resp, page := r.post("/login", form, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(page, "请求来自其他网站") {
		t.Fatalf("cross-site login: %d\n%s", resp.StatusCode, page)
	}
	form.Set("password", "wrong")
	resp, page = r.post("/login", form, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `id="password-error">用户名或密码不正确`) ||
		!strings.Contains(page, `value="zrzy-clerk"`) {
		t.Fatalf("wrong password: %d\n%s", resp.StatusCode, page)
	}
	form.Set("password", "")
	if resp, page := r.post("/login", form, nil); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="password-error">请填写密码`) {
		t.Fatalf("empty password: %d\n%s", resp.StatusCode, page)
	}

	form.Set("password", "tuijin-demo")
	resp, _ = r.post("/login", form, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
		t.Fatalf("sign-in: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := cookieOf(resp, sessionCookie)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.MaxAge != 3600 || strings.Count(c.Value, ".") != 2 {
		t.Fatalf("session cookie: %+v", c)
	}

	// The services are down: the page says so in words, without details.
	resp, page = r.get("/queue")
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(page, "台账服务暂时无法访问") ||
		strings.Contains(page, "connection refused") || strings.Contains(page, "127.0.0.1") {
		t.Fatalf("queue with the ledger down: %d\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, "自然资源和规划局经办人（经办人）") || !strings.Contains(page, `href="/queue"`) {
		t.Fatalf("header does not name the clerk or offer the queue:\n%s", page)
	}
	// The inbox says the same of the notification service.
	if resp, page := r.get("/inbox"); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("inbox with notification down: %d\n%s", resp.StatusCode, page)
	}

	token = csrfOf(t, page)
	if resp, _ := r.post("/logout", url.Values{"csrf": {"forged"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout with a forged token: %d", resp.StatusCode)
	}
	resp, _ = r.post("/logout", url.Values{"csrf": {token}}, nil)
	if resp.StatusCode != http.StatusSeeOther || cookieOf(resp, sessionCookie) == nil || cookieOf(resp, sessionCookie).MaxAge >= 0 {
		t.Fatalf("logout: %d %v", resp.StatusCode, resp.Cookies())
	}
	if resp, _ := r.get("/queue"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout /queue: %d", resp.StatusCode)
	}
}

func TestSecureCookiesWhenConfigured(t *testing.T) {
	r := newRig(t, true)
	resp, page := r.get("/login")
	if c := cookieOf(resp, preCookie); c == nil || !c.Secure || !c.HttpOnly {
		t.Fatalf("pre-sign-in cookie: %+v", c)
	}
	// The cookie jar keeps Secure cookies off plain HTTP; send it by hand.
	pre := cookieOf(resp, preCookie)
	req, _ := http.NewRequest(http.MethodPost, r.portal.URL+"/login", strings.NewReader(url.Values{
		"username": {"zhineng"}, "password": {"tuijin-demo"}, "csrf": {csrfOf(t, page)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: preCookie, Value: pre.Value})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := cookieOf(resp, sessionCookie); resp.StatusCode != http.StatusSeeOther || c == nil || !c.Secure {
		t.Fatalf("sign-in: %d, session cookie %+v", resp.StatusCode, c)
	}
}

func TestForgedActionIsRefused(t *testing.T) {
	r := newRig(t, false)
	_, page := r.get("/login")
	resp, _ := r.post("/login", url.Values{"username": {"zrzy-clerk"}, "password": {"tuijin-demo"}, "csrf": {csrfOf(t, page)}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	resp, page = r.post("/items/2026-370481-04-01-000001.yongdi-yushen/actions", url.Values{"action": {"accept"}, "version": {"1"}}, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "页面已过期或来源不明") {
		t.Fatalf("action without CSRF token: %d\n%s", resp.StatusCode, page)
	}
}

func TestLargeTypeAndErrorPages(t *testing.T) {
	r := newRig(t, false)
	resp, _ := r.get("/display?size=large&back=%2Flogin")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" || cookieOf(resp, displayCookie) == nil {
		t.Fatalf("large type on: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := r.get("/login")
	if !strings.Contains(page, `<html lang="zh-CN" class="large">`) || !strings.Contains(page, ">标准字号</a>") {
		t.Fatalf("large type not applied:\n%s", page)
	}
	if resp, _ := r.get("/display?size=normal&back=%2F%2Fevil.example"); resp.Header.Get("Location") != "/" {
		t.Fatalf("display redirect leaves the site: %q", resp.Header.Get("Location"))
	}
	if _, page := r.get("/login"); strings.Contains(page, `class="large"`) {
		t.Fatal("large type still on after switching it off")
	}
	resp, page = r.get("/no/such/page")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(page, "没有这个页面") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unknown page: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	if resp, css := r.get("/static/portal.css"); resp.StatusCode != http.StatusOK || !strings.Contains(css, "html.large") {
		t.Fatalf("stylesheet: %d", resp.StatusCode)
	}
}
