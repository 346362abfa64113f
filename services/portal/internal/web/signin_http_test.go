package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/services/portal/internal/signin"
)

func TestSignInAndOut(t *testing.T) {
	r := newRig(t, false)
	resp, page := r.get("/queue")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fqueue" {
		t.Fatalf("signed out /queue: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// /login sends the browser to the provider with PKCE, state and nonce,
	// and remembers them in a short-lived cookie of this site only.
	resp, _ = r.get("/login?next=%2Fqueue")
	to, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || to.Path != "/authorize" {
		t.Fatalf("/login: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := to.Query()
	if q.Get("client_id") != "tuijin-portal" || q.Get("redirect_uri") != r.portal.URL+"/auth/callback" || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || len(q.Get("state")) < 40 ||
		len(q.Get("nonce")) < 40 || !strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("authorization request: %v", q)
	}
	if c := cookieOf(resp, authCookie); c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 600 ||
		strings.Contains(c.Value, q.Get("code_challenge")) {
		t.Fatalf("sign-in cookie: %+v", c)
	}

	resp = r.signInTo("/queue", "zrzy-clerk")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
		t.Fatalf("callback: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := cookieOf(resp, sessionCookie)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.MaxAge < 3500 || c.MaxAge > 3600 || strings.Count(c.Value, ".") != 2 {
		t.Fatalf("session cookie: %+v", c)
	}
	if a := cookieOf(resp, authCookie); a == nil || a.MaxAge >= 0 {
		t.Fatalf("sign-in cookie not cleared: %+v", a)
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
	if resp, page := r.get("/inbox"); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("inbox with notification down: %d\n%s", resp.StatusCode, page)
	}

	token := csrfOf(t, page)
	if resp, _ := r.post("/logout", url.Values{"csrf": {"forged"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout with a forged token: %d", resp.StatusCode)
	}
	// The local issuer keeps no session of its own (no end_session_endpoint):
	// sign-out ends at the portal's signed-out page.
	resp, _ = r.post("/logout", url.Values{"csrf": {token}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?out=1" ||
		cookieOf(resp, sessionCookie) == nil || cookieOf(resp, sessionCookie).MaxAge >= 0 {
		t.Fatalf("logout: %d → %q %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
	if resp, page := r.get("/login?out=1"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "您已安全退出") ||
		!strings.Contains(page, `id="login-link"`) {
		t.Fatalf("signed-out page: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := r.get("/queue"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout /queue: %d", resp.StatusCode)
	}
	// Forms post here only; the provider is allowed as where sign-out's
	// answer may redirect (the browser checks form-action on redirects).
	if resp, _ := r.get("/login?out=1"); !strings.Contains(resp.Header.Get("Content-Security-Policy"), "form-action 'self' "+r.issuer+";") {
		t.Errorf("CSP %q", resp.Header.Get("Content-Security-Policy"))
	}
}

// Whatever is wrong with a callback, no session comes of it and the page
// says so in Chinese.
func TestCallbackRefusals(t *testing.T) {
	r := newRig(t, false)
	refused := func(what string, c *http.Client, u string, status int, words string) {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		page := body(t, resp)
		if resp.StatusCode != status || !strings.Contains(page, words) || !strings.Contains(page, `<html lang="zh-CN"`) ||
			!strings.Contains(page, `id="login-link"`) || (cookieOf(resp, sessionCookie) != nil && cookieOf(resp, sessionCookie).MaxAge >= 0) {
			t.Errorf("%s: %d, session %+v\n%s", what, resp.StatusCode, cookieOf(resp, sessionCookie), page)
		}
	}
	withQuery := func(u, k, v string) string {
		p, _ := url.Parse(u)
		q := p.Query()
		q.Set(k, v)
		p.RawQuery = q.Encode()
		return p.String()
	}

	// A tampered state; the sign-in is then used up, the real callback too.
	b := newBrowser()
	back, _ := r.toCallback(b, "/queue", "zrzy-clerk", "tuijin-demo")
	refused("tampered state", b, withQuery(back, "state", "forged-state"), http.StatusBadRequest, "登录请求校验未通过")
	refused("callback after a refused one", b, back, http.StatusBadRequest, "登录请求已失效")
	if resp, _ := (&rig{t: t, portal: r.portal, client: b}).get("/queue"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("signed in after a tampered state: %d", resp.StatusCode)
	}

	// No sign-in under way in this browser (a link sent by someone else).
	refused("no sign-in under way", newBrowser(), back, http.StatusBadRequest, "登录请求已失效")

	// Someone else's code, injected with this browser's state: the PKCE
	// verifier does not match it.
	victim := newBrowser()
	vback, _ := r.toCallback(victim, "/", "zrzy-clerk", "tuijin-demo")
	other, _ := r.toCallback(newBrowser(), "/", "zhineng", "tuijin-demo")
	op, _ := url.Parse(other)
	refused("injected code", victim, withQuery(vback, "code", op.Query().Get("code")), http.StatusUnauthorized, "登录凭证校验未通过")

	// The provider's refusal, with the right state.
	b = newBrowser()
	back, _ = r.toCallback(b, "/", "zrzy-clerk", "tuijin-demo")
	p, _ := url.Parse(back)
	p.RawQuery = url.Values{"error": {"access_denied"}, "state": {p.Query().Get("state")}}.Encode()
	refused("access denied", b, p.String(), http.StatusUnauthorized, "登录已取消")

	// A sign-in cookie the portal did not seal.
	b = newBrowser()
	back, pending := r.toCallback(b, "/", "zrzy-clerk", "tuijin-demo")
	payload, _, _ := strings.Cut(pending.Value, ".")
	u, _ := url.Parse(r.portal.URL)
	b.Jar.SetCookies(u, []*http.Cookie{{Name: authCookie, Value: payload + ".bm90LWEtbWFj", Path: "/"}})
	refused("forged sign-in cookie", b, back, http.StatusBadRequest, "登录请求已失效")

	// A code used once is refused the second time, by the provider.
	b = newBrowser()
	back, _ = r.toCallback(b, "/", "zrzy-clerk", "tuijin-demo")
	if resp, _ := b.Get(back); resp.StatusCode != http.StatusSeeOther || cookieOf(resp, sessionCookie) == nil {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	refused("replayed callback", b, back, http.StatusBadRequest, "登录请求已失效")
}

func TestSecureCookiesWhenConfigured(t *testing.T) {
	r := newRig(t, true)
	// The cookie jar keeps Secure cookies off plain HTTP; send it by hand.
	back, pending := r.toCallback(newBrowser(), "/", "zhineng", "tuijin-demo")
	if pending == nil || !pending.Secure || !pending.HttpOnly {
		t.Fatalf("sign-in cookie: %+v", pending)
	}
	req, _ := http.NewRequest(http.MethodGet, back, nil)
	req.AddCookie(&http.Cookie{Name: authCookie, Value: pending.Value})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := cookieOf(resp, sessionCookie); resp.StatusCode != http.StatusSeeOther || c == nil || !c.Secure {
		t.Fatalf("sign-in: %d, session cookie %+v", resp.StatusCode, c)
	}
}

// A provider that cannot be reached: the portal says so in words.
func TestProviderDown(t *testing.T) {
	prov, err := signin.New(signin.Config{Issuer: "http://127.0.0.1:1", ClientID: "tuijin-portal",
		RedirectURL: "http://127.0.0.1:8080/auth/callback"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{SignIn: prov, Org: o, Secret: testSecret, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Routes(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "统一身份认证服务暂时无法访问") ||
		strings.Contains(rec.Body.String(), "127.0.0.1") || rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("provider down: %d %q\n%s", rec.Code, rec.Header().Get("Set-Cookie"), rec.Body.String())
	}
}

func TestForgedActionIsRefused(t *testing.T) {
	r := newRig(t, false)
	r.signIn("zrzy-clerk")
	resp, page := r.post("/items/2026-370481-04-01-000001.yongdi-yushen/actions", url.Values{"action": {"accept"}, "version": {"1"}}, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "页面已过期或来源不明") {
		t.Fatalf("action without CSRF token: %d\n%s", resp.StatusCode, page)
	}
}
