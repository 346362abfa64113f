package issuer

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/tuijin/tuijin/pkg/httpx"
)

// exchange is the authorization code grant (RFC 6749 §4.1.3, RFC 7636
// §4.6): the client proves itself (its secret, or none for a public
// client), and the code must be unused, unexpired, issued to this client
// for this redirect URI, and match the PKCE verifier. The answer carries
// the access token the services accept and an ID token for the client,
// with the nonce of the authorization request.
func (is *Issuer) exchange(w http.ResponseWriter, r *http.Request) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, ok := is.client(id)
	if !ok || !c.secretMatches(secret) {
		is.Log.Warn("token: client refused", "client", id)
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="tuijin"`)
		}
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	// Taken whatever follows: a code presented wrongly is burnt, so a
	// thief's attempt also ends the rightful client's.
	g, ok := is.codes.take(r.PostForm.Get("code"))
	now := is.now()
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or already used code")
		return
	case !now.Before(g.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code has expired")
		return
	case g.clientID != c.ID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
		return
	case g.redirectURI != r.PostForm.Get("redirect_uri"):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	}
	verifier := r.PostForm.Get("code_verifier")
	if !validVerifier(verifier) || subtle.ConstantTimeCompare([]byte(s256(verifier)), []byte(g.challenge)) != 1 {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	access, err := is.Key.Sign(is.URL, is.Audience, g.claims, now, is.TTL)
	if err != nil {
		is.Log.Error("token", "err", err)
		oauthError(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	idToken, err := is.Key.SignID(is.URL, c.ID, g.nonce, g.claims, now, is.TTL)
	if err != nil {
		is.Log.Error("token", "err", err)
		oauthError(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	is.Log.Info("code exchanged", "sub", g.claims.Subject, "client", c.ID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, LoginResponse{AccessToken: access, TokenType: "Bearer",
		ExpiresIn: int(is.TTL / time.Second), User: g.claims.Principal(), IDToken: idToken, Scope: "openid"})
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
