package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// Cookies of the portal. The session cookie holds the bearer token the
// issuer signed: the portal keeps no session store, and every service
// checks the token itself.
const (
	sessionCookie = "tuijin_session"
	displayCookie = "tuijin_display"
	csrfField     = "csrf"
)

// session is a signed-in user: the token and what it says about them.
type session struct {
	Token   string
	User    api.User
	Expires time.Time
}

// claims are the parts of a token's payload the portal shows and routes
// by; it does not verify them, the services do on every call.
type claims struct {
	api.User
	Exp int64 `json:"exp"`
}

// readSession returns the session the request's cookie holds, if it is
// well-formed and not expired at now.
func readSession(r *http.Request, now time.Time) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return session{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return session{}, false
	}
	var cl claims
	if json.Unmarshal(raw, &cl) != nil || cl.Subject == "" {
		return session{}, false
	}
	s := session{Token: c.Value, User: cl.User}
	if cl.Exp > 0 {
		s.Expires = time.Unix(cl.Exp, 0)
		if !now.Before(s.Expires) {
			return session{}, false
		}
	}
	return s, true
}

// cookies sets and clears the portal's cookies: HttpOnly, SameSite=Lax,
// Secure when the request came over TLS or the portal is configured so
// (behind a TLS-terminating proxy).
type cookies struct {
	secure bool
}

func (c cookies) isSecure(r *http.Request) bool { return c.secure || r.TLS != nil }

func (c cookies) set(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: c.isSecure(r), SameSite: http.SameSiteLaxMode})
}

func (c cookies) clear(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.isSecure(r), SameSite: http.SameSiteLaxMode})
}

// csrf makes and checks the hidden form field that proves a POST comes
// from a page the portal rendered for the same browser: an HMAC of the
// session under the portal's secret. The same MAC seals the sign-in under
// way (auth.go).
type csrf struct {
	secret []byte
}

func (c csrf) token(purpose, id string) string {
	m := hmac.New(sha256.New, c.secret)
	m.Write([]byte(purpose + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c csrf) valid(purpose, id, got string) bool {
	if id == "" || got == "" {
		return false
	}
	return hmac.Equal([]byte(c.token(purpose, id)), []byte(got))
}

// randomID is 32 random bytes, base64url.
func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// localPath returns p when it is a path on this site, else "/": a
// redirect target from a form or a query never leads elsewhere.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
