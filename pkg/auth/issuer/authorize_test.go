package issuer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tuijin/tuijin/pkg/auth/issuer"
	"github.com/tuijin/tuijin/pkg/testenv"
)

const (
	portalCallback = "http://127.0.0.1:8080/auth/callback"
	secretCallback = "https://confidential.example/cb"
)

// clock is the issuer's time, moved by the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{now: time.Now()} }

// codeIssuer serves an issuer with two registered clients: the portal
// (public, PKCE only) and a confidential one with a secret.
func codeIssuer(t *testing.T, clk *clock) (*issuer.Issuer, string) {
	t.Helper()
	f, err := os.Open("testdata/accounts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	accs, err := issuer.LoadAccounts(f)
	if err != nil {
		t.Fatal(err)
	}
	key, err := issuer.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer.Issuer{Audience: "tuijin", TTL: time.Hour, Key: key, Accounts: accs, Log: testenv.Logger(), Now: clk.Now,
		Clients: []issuer.Client{
			{ID: "tuijin-portal", RedirectURIs: []string{portalCallback}},
			{ID: "confidential", Secret: "s3cret", RedirectURIs: []string{secretCallback}},
		}}
	srv := httptest.NewUnstartedServer(is.Handler())
	is.URL = "http://" + srv.Listener.Addr().String()
	srv.Start()
	t.Cleanup(srv.Close)
	return is, is.URL
}

// browser is a cookie-keeping client that does not follow redirects, so
// each step's answer can be read.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type flow struct {
	client, redirect, verifier, state, nonce string
}

func newFlow() flow {
	return flow{client: "tuijin-portal", redirect: portalCallback, verifier: oauth2.GenerateVerifier(), state: "st-1", nonce: "n-1"}
}

func (f flow) query() url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {f.client}, "redirect_uri": {f.redirect},
		"scope": {"openid profile"}, "state": {f.state}, "nonce": {f.nonce},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(f.verifier)}, "code_challenge_method": {"S256"}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func read(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// signIn runs the sign-in page as a browser would and returns where the
// issuer sent the browser.
func signIn(t *testing.T, c *http.Client, base string, f flow, user, pass string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(base + "/authorize?" + f.query().Encode())
	if err != nil {
		t.Fatal(err)
	}
	page := read(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page: %d\n%s", resp.StatusCode, page)
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field:\n%s", page)
	}
	form := f.query()
	form.Set("csrf", m[1])
	form.Set("username", user)
	form.Set("password", pass)
	resp, err = c.PostForm(base+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	return resp, read(t, resp)
}

// code signs wangfang in and returns the code the redirect carries.
func code(t *testing.T, base string, f flow) string {
	t.Helper()
	resp, page := signIn(t, browser(), base, f, "wangfang", "correct-horse")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", resp.StatusCode, page)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), f.redirect+"?") || loc.Query().Get("state") != f.state || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %q", resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// exchange posts the authorization code grant and returns the status and
// the answer (the token response, or RFC 6749's error).
func exchange(t *testing.T, base string, form url.Values, basic [2]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic[0] != "" {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func grantForm(f flow, code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect},
		"client_id": {f.client}, "code_verifier": {f.verifier}}
}

// The code flow end to end, as golang.org/x/oauth2 and go-oidc run it: the
// ID token verifies against the issuer's discovery and JWKS, for the
// client, with the request's nonce; the access token is the services'.
func TestCodeFlowIssuesVerifiableTokens(t *testing.T) {
	is, base := codeIssuer(t, newClock())
	apiURL := api(t, is)
	ctx := context.Background()
	prov, err := oidc.NewProvider(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	var disc struct {
		Auth    string   `json:"authorization_endpoint"`
		Token   string   `json:"token_endpoint"`
		Methods []string `json:"code_challenge_methods_supported"`
	}
	if err := prov.Claims(&disc); err != nil || disc.Auth != base+"/authorize" || disc.Token != base+"/oauth/token" ||
		len(disc.Methods) != 1 || disc.Methods[0] != "S256" {
		t.Fatalf("discovery: %+v %v", disc, err)
	}
	f := newFlow()
	cfg := oauth2.Config{ClientID: f.client, RedirectURL: f.redirect, Scopes: []string{oidc.ScopeOpenID},
		Endpoint: oauth2.Endpoint{AuthURL: prov.Endpoint().AuthURL, TokenURL: prov.Endpoint().TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	tok, err := cfg.Exchange(ctx, code(t, base, f), oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := prov.Verifier(&oidc.Config{ClientID: f.client}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if id.Nonce != f.nonce || id.Subject != "wangfang" {
		t.Errorf("ID token nonce %q sub %q", id.Nonce, id.Subject)
	}
	if _, err := prov.Verifier(&oidc.Config{ClientID: "tuijin"}).Verify(ctx, raw); err == nil {
		t.Error("the ID token verified for another audience")
	}
	if p, st, _ := whoami(t, apiURL, "Bearer "+tok.AccessToken); st != 200 || p.Name != "王芳" {
		t.Errorf("services refuse the access token: %d %+v", st, p)
	}
}

// Every way an exchange can be wrong is refused with RFC 6749's error.
func TestCodeExchangeRefusals(t *testing.T) {
	clk := newClock()
	_, base := codeIssuer(t, clk)
	f := newFlow()
	none := [2]string{}

	cases := []struct {
		name   string
		change func(url.Values)
		basic  [2]string
		status int
		err    string
	}{
		{"wrong verifier", func(v url.Values) { v.Set("code_verifier", oauth2.GenerateVerifier()) }, none, 400, "invalid_grant"},
		{"short verifier", func(v url.Values) { v.Set("code_verifier", "abc") }, none, 400, "invalid_grant"},
		{"no verifier", func(v url.Values) { v.Del("code_verifier") }, none, 400, "invalid_grant"},
		{"other redirect_uri", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:8080/elsewhere") }, none, 400, "invalid_grant"},
		{"unknown client", func(v url.Values) { v.Set("client_id", "intruder") }, none, 401, "invalid_client"},
		{"another client's code", func(v url.Values) { v.Del("client_id") }, [2]string{"confidential", "s3cret"}, 400, "invalid_grant"},
		{"wrong client secret", func(v url.Values) { v.Del("client_id") }, [2]string{"confidential", "guess"}, 401, "invalid_client"},
		{"made-up code", func(v url.Values) { v.Set("code", "bm90LWEtY29kZQ") }, none, 400, "invalid_grant"},
	}
	for _, c := range cases {
		form := grantForm(f, code(t, base, f))
		c.change(form)
		if st, out := exchange(t, base, form, c.basic); st != c.status || out["error"] != c.err || out["access_token"] != nil {
			t.Errorf("%s: %d %v, want %d %s", c.name, st, out, c.status, c.err)
		}
	}

	// A code is exchanged once; the second attempt is refused, and so is
	// the rightful client after a wrong attempt burnt it.
	form := grantForm(f, code(t, base, f))
	if st, out := exchange(t, base, form, none); st != 200 || out["id_token"] == nil {
		t.Fatalf("first exchange: %d %v", st, out)
	}
	if st, out := exchange(t, base, form, none); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("reused code: %d %v", st, out)
	}
	form = grantForm(f, code(t, base, f))
	bad := grantForm(f, form.Get("code"))
	bad.Set("code_verifier", oauth2.GenerateVerifier())
	exchange(t, base, bad, none)
	if st, out := exchange(t, base, form, none); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("code after a wrong verifier: %d %v", st, out)
	}

	// An expired code.
	form = grantForm(f, code(t, base, f))
	clk.add(issuer.DefaultCodeTTL + time.Second)
	if st, out := exchange(t, base, form, none); st != 400 || out["error"] != "invalid_grant" || !strings.Contains(out["error_description"].(string), "expired") {
		t.Errorf("expired code: %d %v", st, out)
	}

	// The confidential client with its secret, in the body this time.
	cf := flow{client: "confidential", redirect: secretCallback, verifier: oauth2.GenerateVerifier(), state: "s", nonce: "n"}
	form = grantForm(cf, code(t, base, cf))
	form.Set("client_secret", "s3cret")
	if st, out := exchange(t, base, form, none); st != 200 || out["access_token"] == nil {
		t.Errorf("confidential client: %d %v", st, out)
	}
}

// The authorization endpoint sends codes to registered redirect URIs only:
// an unknown client or redirect URI gets a page at the issuer, never a
// redirect; the rest is told to the client at its redirect URI.
func TestAuthorizeRefusals(t *testing.T) {
	_, base := codeIssuer(t, newClock())
	c := browser()
	get := func(q url.Values) (*http.Response, string) {
		resp, err := c.Get(base + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		return resp, read(t, resp)
	}
	for name, change := range map[string]func(url.Values){
		"unknown client":       func(v url.Values) { v.Set("client_id", "intruder") },
		"unknown redirect_uri": func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") },
		"redirect_uri prefix":  func(v url.Values) { v.Set("redirect_uri", portalCallback+"/../steal") },
		"other client's uri":   func(v url.Values) { v.Set("redirect_uri", secretCallback) },
	} {
		q := newFlow().query()
		change(q)
		if resp, page := get(q); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
			!strings.Contains(page, `lang="zh-CN"`) || !strings.Contains(page, "已拒绝") {
			t.Errorf("%s: %d → %q\n%s", name, resp.StatusCode, resp.Header.Get("Location"), page)
		}
	}
	for name, c := range map[string]struct {
		change func(url.Values)
		err    string
	}{
		"no PKCE":        {func(v url.Values) { v.Del("code_challenge") }, "invalid_request"},
		"plain PKCE":     {func(v url.Values) { v.Set("code_challenge_method", "plain") }, "invalid_request"},
		"token response": {func(v url.Values) { v.Set("response_type", "token") }, "unsupported_response_type"},
		"no openid":      {func(v url.Values) { v.Set("scope", "profile") }, "invalid_scope"},
	} {
		q := newFlow().query()
		c.change(q)
		resp, _ := get(q)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc == nil || !strings.HasPrefix(loc.String(), portalCallback+"?") ||
			loc.Query().Get("error") != c.err || loc.Query().Get("state") != "st-1" || loc.Query().Get("code") != "" {
			t.Errorf("%s: %d → %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// The sign-in form: wrong password and missing fields next to the field,
// the form without its token or from another site refused, no code.
func TestSignInFormRefusals(t *testing.T) {
	_, base := codeIssuer(t, newClock())
	f := newFlow()
	resp, page := signIn(t, browser(), base, f, "wangfang", "wrong")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `id="password-error" role="alert">用户名或密码不正确`) ||
		!strings.Contains(page, `value="wangfang"`) || resp.Header.Get("Location") != "" {
		t.Errorf("wrong password: %d\n%s", resp.StatusCode, page)
	}
	if resp, page := signIn(t, browser(), base, f, "", "x"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "请填写用户名") {
		t.Errorf("no username: %d\n%s", resp.StatusCode, page)
	}
	// The hidden fields are checked again: a tampered redirect_uri is refused.
	c := browser()
	if _, page := signIn(t, c, base, f, "wangfang", "wrong"); page == "" {
		t.Fatal("no page")
	}
	form := f.query()
	form.Set("redirect_uri", "https://evil.example/cb")
	form.Set("username", "wangfang")
	form.Set("password", "correct-horse")
	resp, err := c.PostForm(base+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	if read(t, resp); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("tampered redirect_uri: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Without the form's token (a login CSRF), and from another site.
	form = f.query()
	form.Set("username", "wangfang")
	form.Set("password", "correct-horse")
	form.Set("csrf", "forged")
	resp, err = c.PostForm(base+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	if page := read(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "登录页面已过期") {
		t.Errorf("forged token: %d\n%s", resp.StatusCode, page)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if read(t, resp); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
		t.Errorf("cross-site sign-in: %d", resp.StatusCode)
	}
}
