package web

import (
	"html"
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
	"github.com/tuijin/tuijin/services/portal/internal/signin"
)

// rig is the portal's pages served over HTTP against a real issuer (in
// process, as in the local run) that has the portal registered as its
// client; the services are not running, which the pages that need them
// must say in words.
type rig struct {
	t      *testing.T
	portal *httptest.Server
	issuer string
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
	mux := http.NewServeMux()
	portal := httptest.NewUnstartedServer(mux)
	callback := "http://" + portal.Listener.Addr().String() + "/auth/callback"
	is := &issuer.Issuer{Audience: "tuijin", TTL: time.Hour, Key: key, Accounts: accs, Log: slog.New(slog.DiscardHandler),
		Clients: []issuer.Client{{ID: "tuijin-portal", RedirectURIs: []string{callback}}}}
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
	hc := &http.Client{Timeout: 5 * time.Second}
	c, err := api.New(hc, api.Endpoints{Intake: down, Ledger: down, Deadline: down, Meeting: down, Notification: down}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	prov, err := signin.New(signin.Config{Issuer: is.URL, ClientID: "tuijin-portal", RedirectURL: callback, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Backend: c, Forms: c, Work: c, Lead: c, SignIn: prov, Org: o, Secret: testSecret,
		SecureCookies: secure, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s.Routes(mux)
	portal.Start()
	t.Cleanup(portal.Close)
	return &rig{t: t, portal: portal, issuer: is.URL, client: newBrowser()}
}

// newBrowser is a cookie-keeping client that does not follow redirects.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// toCallback follows the portal's /login to the issuer, signs in there as
// a person would (the form's hidden fields as the page has them) and
// returns the issuer's redirect to the portal's callback and the sign-in
// cookie /login set.
func (r *rig) toCallback(c *http.Client, next, user, password string) (string, *http.Cookie) {
	r.t.Helper()
	resp, err := c.Get(r.portal.URL + "/login?next=" + url.QueryEscape(next))
	if err != nil {
		r.t.Fatal(err)
	}
	body(r.t, resp)
	pending := cookieOf(resp, authCookie)
	to := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, r.issuer+"/authorize?") {
		r.t.Fatalf("/login: %d → %q", resp.StatusCode, to)
	}
	resp, err = c.Get(to)
	if err != nil {
		r.t.Fatal(err)
	}
	page := body(r.t, resp)
	form := url.Values{"username": {user}, "password": {password}}
	for _, m := range hiddenRe.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	resp, err = c.PostForm(r.issuer+"/authorize", form)
	if err != nil {
		r.t.Fatal(err)
	}
	page = body(r.t, resp)
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(back, r.portal.URL+"/auth/callback?") {
		r.t.Fatalf("issuer sign-in: %d → %q\n%s", resp.StatusCode, back, page)
	}
	return back, pending
}

// signInTo signs user in through the code flow and returns the callback's
// answer (the redirect to next, with the session cookie).
func (r *rig) signInTo(next, user string) *http.Response {
	r.t.Helper()
	back, _ := r.toCallback(r.client, next, user, "tuijin-demo")
	resp, err := r.client.Get(back)
	if err != nil {
		r.t.Fatal(err)
	}
	body(r.t, resp)
	return resp
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

func TestLargeTypeAndErrorPages(t *testing.T) {
	r := newRig(t, false)
	resp, _ := r.get("/display?size=large&back=%2Flogin%3Fout%3D1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?out=1" || cookieOf(resp, displayCookie) == nil {
		t.Fatalf("large type on: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := r.get("/login?out=1")
	if !strings.Contains(page, `<html lang="zh-CN" class="large">`) || !strings.Contains(page, ">标准字号</a>") {
		t.Fatalf("large type not applied:\n%s", page)
	}
	if resp, _ := r.get("/display?size=normal&back=%2F%2Fevil.example"); resp.Header.Get("Location") != "/" {
		t.Fatalf("display redirect leaves the site: %q", resp.Header.Get("Location"))
	}
	if _, page := r.get("/login?out=1"); strings.Contains(page, `class="large"`) {
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
