package issuer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/auth/issuer"
	"github.com/tuijin/tuijin/pkg/auth/token"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// newIssuer serves an issuer for the accounts in testdata on loopback.
func newIssuer(t *testing.T) (*issuer.Issuer, string) {
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
	key, err := issuer.LoadOrCreateKey(t.TempDir() + "/key.json")
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer.Issuer{Audience: "tuijin", TTL: time.Hour, Key: key, Accounts: accs, Log: testenv.Logger()}
	srv := httptest.NewServer(is.Handler())
	t.Cleanup(srv.Close)
	is.URL = srv.URL
	return is, srv.URL
}

// api runs an httpx.Server whose /v1/ routes need a token of is, verified
// through the issuer's published JWKS, as a service does.
func api(t *testing.T, is *issuer.Issuer) string {
	t.Helper()
	v, err := token.NewVerifier(context.Background(), token.Config{Issuer: is.URL, Audience: "tuijin", JWKSURL: is.JWKSURL()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpx.NewServer("127.0.0.1:0", "test", prometheus.NewRegistry(), testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	srv.Authenticate(v)
	srv.Mux.HandleFunc("GET /v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		httpx.WriteJSON(w, http.StatusOK, p)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, time.Second) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + srv.Addr()
}

func login(t *testing.T, base, user, pass string) (issuer.LoginResponse, int) {
	t.Helper()
	var resp issuer.LoginResponse
	st := testenv.CallJSON(t, "POST", base+"/v1/login", "application/json",
		strings.NewReader(`{"username":"`+user+`","password":"`+pass+`"}`), &resp)
	return resp, st
}

func whoami(t *testing.T, base, header string) (auth.Principal, int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/whoami", nil)
	if header != "" {
		req.Header.Set("Authorization", header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p auth.Principal
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
	}
	return p, resp.StatusCode, resp.Header
}

func TestLoginIssuesATokenServicesAccept(t *testing.T) {
	is, base := newIssuer(t)
	apiURL := api(t, is)

	resp, st := login(t, base, "zrzy-clerk", "correct-horse")
	if st != 200 || resp.TokenType != "Bearer" || resp.ExpiresIn != 3600 {
		t.Fatalf("login: %d %+v", st, resp)
	}
	if resp.User.Department != "zrzy" || !resp.User.Has(auth.Clerk) {
		t.Errorf("login user %+v", resp.User)
	}
	p, st, _ := whoami(t, apiURL, "Bearer "+resp.AccessToken)
	if st != 200 || p.Subject != "zrzy-clerk" || p.Department != "zrzy" || !p.Has(auth.Clerk) || p.Has(auth.Officer) {
		t.Errorf("whoami: %d %+v", st, p)
	}
}

func TestLoginRefusesWrongPasswordAndUnknownUser(t *testing.T) {
	_, base := newIssuer(t)
	for _, c := range [][2]string{{"wangfang", "wrong"}, {"nobody", "correct-horse"}, {"", ""}} {
		var body httpx.ErrorBody
		st := testenv.CallJSON(t, "POST", base+"/v1/login", "application/json",
			strings.NewReader(`{"username":"`+c[0]+`","password":"`+c[1]+`"}`), &body)
		if st != 401 || body.Error.Code != "invalid_credentials" {
			t.Errorf("%v: %d %+v", c, st, body)
		}
	}
}

// The token endpoint speaks OAuth 2.0 (RFC 6749 §4.3, §5.2).
func TestTokenEndpoint(t *testing.T) {
	is, base := newIssuer(t)
	apiURL := api(t, is)
	form := url.Values{"grant_type": {"password"}, "username": {"wangfang"}, "password": {"correct-horse"}}
	resp, err := http.PostForm(base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok issuer.LoginResponse
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if p, st, _ := whoami(t, apiURL, "Bearer "+tok.AccessToken); st != 200 || p.Name != "王芳" || !p.Has(auth.Officer) {
		t.Errorf("whoami: %d %+v", st, p)
	}
	for _, f := range []url.Values{
		{"grant_type": {"password"}, "username": {"wangfang"}, "password": {"x"}},
		{"grant_type": {"client_credentials"}},
	} {
		resp, err := http.PostForm(base+"/oauth/token", f)
		if err != nil {
			t.Fatal(err)
		}
		var e map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 400 || (e["error"] != "invalid_grant" && e["error"] != "unsupported_grant_type") {
			t.Errorf("%v: %d %v", f, resp.StatusCode, e)
		}
	}
	var disc map[string]any
	if st := testenv.CallJSON(t, "GET", base+"/.well-known/openid-configuration", "", nil, &disc); st != 200 ||
		disc["issuer"] != base || disc["jwks_uri"] != is.JWKSURL() {
		t.Errorf("discovery: %d %v", st, disc)
	}
}

// Whatever is wrong with a token, the API answers 401 in the contract's
// shape with a Bearer challenge, and no route runs.
func TestAPIRefusesMissingAndBadTokens(t *testing.T) {
	is, base := newIssuer(t)
	apiURL := api(t, is)
	good, _ := login(t, base, "wangfang", "correct-horse")
	other, err := issuer.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	c := auth.Claims{Subject: "wangfang", Name: "王芳", Roles: []string{"officer"}}
	sign := func(k *issuer.Key, iss, aud string, now time.Time, ttl time.Duration) string {
		tok, err := k.Sign(iss, aud, c, now, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	for name, h := range map[string]string{
		"none":           "",
		"basic":          "Basic d2FuZ2Zhbmc6eA==",
		"empty bearer":   "Bearer ",
		"garbage":        "Bearer not.a.token",
		"tampered":       "Bearer " + good.AccessToken[:len(good.AccessToken)-4] + "AAAA",
		"other key":      "Bearer " + sign(other, is.URL, "tuijin", now, time.Hour),
		"other issuer":   "Bearer " + sign(is.Key, "https://elsewhere.example", "tuijin", now, time.Hour),
		"other audience": "Bearer " + sign(is.Key, is.URL, "someone-else", now, time.Hour),
		"expired":        "Bearer " + sign(is.Key, is.URL, "tuijin", now.Add(-2*time.Hour), time.Hour),
	} {
		_, st, hdr := whoami(t, apiURL, h)
		if st != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d, challenge %q", name, st, hdr.Get("WWW-Authenticate"))
		}
	}
	var body httpx.ErrorBody
	if st := testenv.CallJSON(t, "GET", apiURL+"/v1/whoami", "", nil, &body); st != 401 || body.Error.Code != "unauthenticated" {
		t.Errorf("anonymous: %d %+v", st, body)
	}
	var health map[string]string
	if st := testenv.CallJSON(t, "GET", apiURL+"/healthz", "", nil, &health); st != 200 {
		t.Errorf("/healthz needs no token, got %d", st)
	}
}

func TestAccountsFileIsChecked(t *testing.T) {
	hash := "$2a$10$8OVUDzm6QCv1Zr.ecEWtRe0YwhXs3H01CwFxzgykJJpivvGTKMe7q"
	for name, y := range map[string]string{
		"unknown role":       `accounts: [{username: a, roles: [admin], password_hash: "` + hash + `"}]`,
		"clerk without dept": `accounts: [{username: a, roles: [clerk], password_hash: "` + hash + `"}]`,
		"owner without org":  `accounts: [{username: a, roles: [owner], password_hash: "` + hash + `"}]`,
		"plain password":     `accounts: [{username: a, roles: [supervisor], password_hash: "secret"}]`,
		"twice":              `accounts: [{username: a, roles: [supervisor], password_hash: "` + hash + `"}, {username: a, roles: [operations], password_hash: "` + hash + `"}]`,
		"unknown field":      `accounts: [{username: a, roles: [supervisor], password: x, password_hash: "` + hash + `"}]`,
		"empty":              `accounts: []`,
	} {
		if _, err := issuer.LoadAccounts(strings.NewReader(y)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The key survives a restart: a token signed before verifies after.
func TestKeyIsKept(t *testing.T) {
	path := t.TempDir() + "/key.json"
	k1, err := issuer.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := issuer.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1.JWKS().Keys[0].KeyID != k2.JWKS().Keys[0].KeyID {
		t.Error("a second load made another key")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v %v", fi.Mode(), err)
	}
}
