package issuer

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/httpx"
)

// Issuer signs tokens for its accounts. URL is its issuer identifier (the
// iss of its tokens and the base of its endpoints); Audience the aud.
type Issuer struct {
	URL      string
	Audience string
	TTL      time.Duration
	Key      *Key
	Accounts *Accounts
	// Clients may sign users in through the authorization code flow
	// (GET and POST /authorize, then grant_type=authorization_code).
	Clients []Client
	// CodeTTL is how long an authorization code is good for
	// (DefaultCodeTTL when zero).
	CodeTTL time.Duration
	Log     *slog.Logger
	Now     func() time.Time

	codes codes
}

// LoginResponse answers POST /v1/login and the token endpoint.
type LoginResponse struct {
	AccessToken string         `json:"access_token"`
	TokenType   string         `json:"token_type"`
	ExpiresIn   int            `json:"expires_in"`
	User        auth.Principal `json:"user"`
	// IDToken answers the authorization code grant (OpenID Connect).
	IDToken string `json:"id_token,omitempty"`
	Scope   string `json:"scope,omitempty"`
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Handler serves the issuer's endpoints:
//
//	GET  /authorize                       the sign-in page of the code flow (PKCE S256 required)
//	POST /authorize                       the page's form → redirect_uri?code=&state=
//	POST /oauth/token                     grant_type=authorization_code (with code_verifier) or password
//	POST /v1/login                        {"username","password"} → LoginResponse, for scripts
//	GET  /.well-known/openid-configuration
//	GET  /.well-known/jwks.json
func (is *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", is.authorize)
	// The form posts to its own origin; a cross-site POST is refused
	// before the double-submit token is even looked at.
	mux.Handle("POST /authorize", http.NewCrossOriginProtection().Handler(http.HandlerFunc(is.signIn)))
	mux.HandleFunc("POST /v1/login", is.login)
	mux.HandleFunc("POST /oauth/token", is.token)
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, is.Key.JWKS())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return mux
}

// JWKSURL is where the issuer publishes its keys.
func (is *Issuer) JWKSURL() string { return strings.TrimSuffix(is.URL, "/") + "/.well-known/jwks.json" }

func (is *Issuer) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := httpx.DecodeJSON(r, &req, 4<<10); err != nil {
		httpx.ErrorEncoder(is.Log)(r.Context(), err, w)
		return
	}
	resp, err := is.issue(req.Username, req.Password)
	if err != nil {
		httpx.ErrorEncoder(is.Log)(r.Context(), err, w)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, resp)
}

var errBadLogin = apperr.Unauthenticated("invalid_credentials", "用户名或密码不正确 (wrong username or password)")

func (is *Issuer) issue(username, password string) (LoginResponse, error) {
	c, ok := is.Accounts.Check(strings.TrimSpace(username), password)
	if !ok {
		is.Log.Warn("login refused", "username", username)
		return LoginResponse{}, errBadLogin
	}
	tok, err := is.Key.Sign(is.URL, is.Audience, c, is.now(), is.TTL)
	if err != nil {
		return LoginResponse{}, err
	}
	is.Log.Info("login", "sub", c.Subject, "roles", c.Roles)
	return LoginResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(is.TTL / time.Second),
		User: c.Principal()}, nil
}

// token is the OAuth 2.0 token endpoint: the authorization code grant of
// the sign-in page (code.go), and the resource owner password grant for
// scripts; errors are RFC 6749's.
func (is *Issuer) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		is.exchange(w, r)
		return
	case "password":
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or password")
		return
	}
	resp, err := is.issue(r.PostForm.Get("username"), r.PostForm.Get("password"))
	if err != nil {
		if apperr.KindOf(err) == apperr.KindUnauthenticated {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "wrong username or password")
			return
		}
		is.Log.Error("token", "err", err)
		oauthError(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, resp)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (is *Issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	base := strings.TrimSuffix(is.URL, "/")
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base,
		"jwks_uri":                              is.JWKSURL(),
		"authorization_endpoint":                base + "/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"grant_types_supported":                 []string{"authorization_code", "password"},
		"response_types_supported":              []string{"code"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile"},
		"token_endpoint_auth_methods_supported": []string{"none", "client_secret_basic", "client_secret_post"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"EdDSA"},
		"claims_supported":                      []string{"sub", "name", "roles", "department", "owner", "nonce"},
	})
}

func (is *Issuer) now() time.Time {
	if is.Now != nil {
		return is.Now()
	}
	return time.Now()
}
