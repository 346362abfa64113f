package signin_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"

	"github.com/tuijin/tuijin/pkg/auth/issuer"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/portal/internal/signin"
)

const callback = "http://127.0.0.1:8080/auth/callback"

// localIssuer serves the local issuer with the portal as its client.
func localIssuer(t *testing.T) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("tuijin-demo"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	accs, err := issuer.LoadAccounts(strings.NewReader(`accounts:
  - {username: zhineng, name: 王经理, roles: [owner], owner: 示范智能装备有限公司, password_hash: "` + string(hash) + `"}
`))
	if err != nil {
		t.Fatal(err)
	}
	key, err := issuer.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer.Issuer{Audience: "tuijin", TTL: time.Hour, Key: key, Accounts: accs, Log: slog.New(slog.DiscardHandler),
		Clients: []issuer.Client{{ID: "tuijin-portal", RedirectURIs: []string{callback}}}}
	srv := httptest.NewUnstartedServer(is.Handler())
	is.URL = "http://" + srv.Listener.Addr().String()
	srv.Start()
	t.Cleanup(srv.Close)
	return is.URL
}

// codeFor runs the provider's sign-in page for an authorization URL and
// returns the code the issuer sends back.
func codeFor(t *testing.T, authURL string) string {
	t.Helper()
	// A stand-in for the portal's /login, which sends the browser there.
	login := httptest.NewServer(http.RedirectHandler(authURL, http.StatusSeeOther))
	defer login.Close()
	// Nothing listens at the callback: the browser's visit is kept instead.
	stop := &stopper{at: callback}
	c := testenv.Browser()
	c.Transport = stop
	testenv.SignIn(t, c, login.URL, "zhineng", "tuijin-demo")
	if stop.got == nil {
		t.Fatal("the issuer did not send the browser to the callback")
	}
	return stop.got.Query().Get("code")
}

// stopper answers requests to the callback itself, keeping the URL.
type stopper struct {
	at  string
	got *url.URL
}

func (s *stopper) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.String(), s.at) {
		s.got = r.URL
		return &http.Response{StatusCode: http.StatusSeeOther, Header: http.Header{"Location": {"/"}},
			Body: http.NoBody, Request: r}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestExchangeVerifiesTheNonce(t *testing.T) {
	base := localIssuer(t)
	p, err := signin.New(signin.Config{Issuer: base, ClientID: "tuijin-portal", RedirectURL: callback})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	authURL, err := p.AuthURL(ctx, "st", "the-nonce", verifier)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.Exchange(ctx, codeFor(t, authURL), verifier, "the-nonce")
	if err != nil || tok.Subject != "zhineng" || tok.AccessToken == "" || time.Until(tok.Expiry) < 50*time.Minute {
		t.Fatalf("exchange: %+v %v", tok, err)
	}
	// An ID token minted for another sign-in's nonce (a replayed response).
	authURL, _ = p.AuthURL(ctx, "st", "the-nonce", verifier)
	if _, err := p.Exchange(ctx, codeFor(t, authURL), verifier, "another-nonce"); !errors.Is(err, signin.ErrRefused) {
		t.Errorf("wrong nonce: %v", err)
	}
	// A wrong verifier: the provider refuses the code.
	authURL, _ = p.AuthURL(ctx, "st", "the-nonce", verifier)
	if _, err := p.Exchange(ctx, codeFor(t, authURL), oauth2.GenerateVerifier(), "the-nonce"); !errors.Is(err, signin.ErrRefused) {
		t.Errorf("wrong verifier: %v", err)
	}
	// The local issuer keeps no session: no end_session_endpoint.
	if u, ok := p.EndSessionURL(ctx, "http://127.0.0.1:8080/login?out=1"); ok {
		t.Errorf("end session at %q", u)
	}
}

// A provider whose discovery lists an end_session_endpoint gets the
// browser at logout, with the client id and the way back.
func TestEndSessionWhenListed(t *testing.T) {
	var base string
	disc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + base + `","authorization_endpoint":"` + base + `/authorize","token_endpoint":"` + base +
			`/token","jwks_uri":"` + base + `/jwks","end_session_endpoint":"` + base + `/logout?ui=zh"}`))
	}))
	t.Cleanup(disc.Close)
	base = disc.URL
	p, err := signin.New(signin.Config{Issuer: base, ClientID: "tuijin-portal", RedirectURL: callback})
	if err != nil {
		t.Fatal(err)
	}
	u, ok := p.EndSessionURL(context.Background(), p.Origin()+"/login?out=1")
	if !ok {
		t.Fatal("no end-session URL")
	}
	got, _ := url.Parse(u)
	if got.Path != "/logout" || got.Query().Get("ui") != "zh" || got.Query().Get("client_id") != "tuijin-portal" ||
		got.Query().Get("post_logout_redirect_uri") != "http://127.0.0.1:8080/login?out=1" {
		t.Errorf("end-session URL %s", u)
	}
}

func TestProviderUnreachable(t *testing.T) {
	p, err := signin.New(signin.Config{Issuer: "http://127.0.0.1:1", ClientID: "tuijin-portal", RedirectURL: callback})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AuthURL(context.Background(), "s", "n", oauth2.GenerateVerifier()); !errors.Is(err, signin.ErrUnavailable) {
		t.Errorf("unreachable provider: %v", err)
	}
}
