// Package signin is the portal's side of OpenID Connect: a relying party of
// the authorization code flow with PKCE (S256), state and nonce, made of
// golang.org/x/oauth2 and go-oidc. The provider is found through its
// discovery document the first time a user signs in, not at start, so the
// portal starts (and serves its signed-out pages) while the provider is
// still coming up.
package signin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config names the provider and the portal as its client.
type Config struct {
	// Issuer is the provider's issuer identifier; discovery is read from
	// <Issuer>/.well-known/openid-configuration.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the portal's /auth/callback as registered at the
	// provider.
	RedirectURL string
	// HTTP makes the calls to the provider (discovery, JWKS, token).
	HTTP *http.Client
}

// ErrUnavailable wraps a provider that could not be reached or read.
var ErrUnavailable = errors.New("sign-in provider unavailable")

// ErrRefused wraps an exchange or an ID token the portal does not accept:
// a refused code, a token that fails verification, a wrong nonce.
var ErrRefused = errors.New("sign-in refused")

// Tokens are what a completed sign-in yields: the access token the
// services accept, and when it expires.
type Tokens struct {
	AccessToken string
	Expiry      time.Time
	Subject     string
}

// Provider is the OpenID Connect provider as the portal uses it.
type Provider struct {
	cfg Config
	// ctx outlives requests: go-oidc keeps it for fetching keys later.
	ctx context.Context

	mu   sync.Mutex
	disc *discovered
}

type discovered struct {
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
}

// New returns the provider of cfg; nothing is fetched yet.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("signin: issuer, client id and redirect URL are required")
	}
	if _, err := url.ParseRequestURI(cfg.RedirectURL); err != nil {
		return nil, fmt.Errorf("signin: redirect URL: %w", err)
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	return &Provider{cfg: cfg, ctx: oidc.ClientContext(context.Background(), cfg.HTTP)}, nil
}

// discover reads the provider's discovery document once it answers; a
// failure is tried again at the next sign-in.
func (p *Provider) discover(ctx context.Context) (*discovered, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.disc != nil {
		return p.disc, nil
	}
	// Discovery itself is bounded by the request; the key set it makes
	// keeps the long-lived context.
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, p.cfg.HTTP), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery: %v", ErrUnavailable, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
		JWKS       string `json:"jwks_uri"`
	}
	if err := prov.Claims(&extra); err != nil {
		return nil, fmt.Errorf("%w: discovery: %v", ErrUnavailable, err)
	}
	style := oauth2.AuthStyleInParams
	if p.cfg.ClientSecret != "" {
		style = oauth2.AuthStyleInHeader
	}
	ep := prov.Endpoint()
	ep.AuthStyle = style
	keys := oidc.NewRemoteKeySet(p.ctx, extra.JWKS)
	p.disc = &discovered{
		oauth: oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, RedirectURL: p.cfg.RedirectURL,
			Endpoint: ep, Scopes: []string{oidc.ScopeOpenID, "profile"}},
		verifier:   oidc.NewVerifier(p.cfg.Issuer, keys, &oidc.Config{ClientID: p.cfg.ClientID, SupportedSigningAlgs: algs}),
		endSession: extra.EndSession,
	}
	return p.disc, nil
}

// algs are the signatures an ID token may carry (the local issuer signs
// with EdDSA; providers commonly RS256).
var algs = []string{oidc.EdDSA, oidc.RS256, oidc.ES256, oidc.PS256}

// AuthURL is where the browser goes to sign in: the provider's
// authorization endpoint with state, nonce and the S256 challenge of
// verifier.
func (p *Provider) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	return d.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange trades code for tokens with the PKCE verifier, and verifies
// the ID token: signature, issuer, audience (the client id), expiry and
// nonce.
func (p *Provider) Exchange(ctx context.Context, code, verifier, nonce string) (Tokens, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return Tokens{}, err
	}
	tok, err := d.oauth.Exchange(oidc.ClientContext(ctx, p.cfg.HTTP), code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return Tokens{}, fmt.Errorf("%w: token endpoint: %v", ErrRefused, err)
		}
		return Tokens{}, fmt.Errorf("%w: token endpoint: %v", ErrUnavailable, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Tokens{}, fmt.Errorf("%w: no id_token in the answer", ErrRefused)
	}
	id, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		return Tokens{}, fmt.Errorf("%w: id token: %v", ErrRefused, err)
	}
	if nonce == "" || id.Nonce != nonce {
		return Tokens{}, fmt.Errorf("%w: id token nonce does not match the sign-in's", ErrRefused)
	}
	if tok.AccessToken == "" {
		return Tokens{}, fmt.Errorf("%w: no access token", ErrRefused)
	}
	return Tokens{AccessToken: tok.AccessToken, Expiry: tok.Expiry, Subject: id.Subject}, nil
}

// EndSessionURL is the provider's end_session_endpoint (RP-initiated
// logout) with the client id and where to come back to, when discovery
// lists one.
func (p *Provider) EndSessionURL(ctx context.Context, back string) (string, bool) {
	d, err := p.discover(ctx)
	if err != nil || d.endSession == "" {
		return "", false
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return "", false
	}
	q := u.Query()
	q.Set("client_id", p.cfg.ClientID)
	q.Set("post_logout_redirect_uri", back)
	u.RawQuery = q.Encode()
	return u.String(), true
}

// ProviderOrigin is the scheme and host of the issuer, where sign-out may
// send the browser (an end_session_endpoint elsewhere is not expected).
func (p *Provider) ProviderOrigin() string {
	u, err := url.Parse(p.cfg.Issuer)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Origin is the scheme and host of the redirect URL: the portal's public
// address, for the absolute URLs the provider is given.
func (p *Provider) Origin() string {
	u, _ := url.Parse(p.cfg.RedirectURL) // checked in New
	return strings.TrimSuffix(u.Scheme+"://"+u.Host, "/")
}
