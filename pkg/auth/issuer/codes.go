package issuer

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/tuijin/tuijin/pkg/auth"
)

// Client is a relying party registered for the authorization code flow.
// Only its RedirectURIs, compared exactly, receive codes; a client without
// a Secret is public and proves itself with PKCE alone.
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

func (c Client) allows(redirectURI string) bool {
	for _, u := range c.RedirectURIs {
		if u == redirectURI {
			return true
		}
	}
	return false
}

// secretMatches compares in constant time; a public client has no secret
// to match.
func (c Client) secretMatches(secret string) bool {
	return subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) == 1
}

// DefaultCodeTTL is how long an authorization code may be exchanged: the
// browser's redirect to the client and the client's call take well under
// it on any machine.
const DefaultCodeTTL = 2 * time.Minute

// maxPendingCodes bounds the codes kept: a flood of sign-ins that never
// exchange their codes cannot grow the issuer's memory without end.
const maxPendingCodes = 10_000

// grant is what an authorization code was issued for.
type grant struct {
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	claims      auth.Claims
	expires     time.Time
}

// codes are the authorization codes not yet exchanged, in memory: the
// local issuer is one process, and a code lives for a minute or two.
type codes struct {
	mu sync.Mutex
	m  map[string]grant
}

var errTooManyCodes = errors.New("too many pending authorization codes")

// issue stores g under a fresh code; expired codes are dropped first.
func (c *codes) issue(g grant, now time.Time) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]grant{}
	}
	for k, v := range c.m {
		if !now.Before(v.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) >= maxPendingCodes {
		return "", errTooManyCodes
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	code := base64.RawURLEncoding.EncodeToString(b)
	c.m[code] = g
	return code, nil
}

// take removes code and returns its grant: a code is exchanged once, and a
// second attempt (a replay, or a thief racing the client) finds nothing.
func (c *codes) take(code string) (grant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.m[code]
	delete(c.m, code)
	return g, ok
}

// s256 is the PKCE S256 challenge of verifier (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validVerifier is RFC 7636 §4.1: 43 to 128 unreserved characters.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			return false
		}
	}
	return true
}
