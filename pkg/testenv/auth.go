package testenv

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/auth/issuer"
	"github.com/tuijin/tuijin/pkg/auth/token"
)

// TestIssuer is the iss of the tokens tests sign; services started by
// Service accept them.
const TestIssuer = "https://issuer.tuijin.test"

var signing struct {
	once sync.Once
	key  *issuer.Key
	jwks string
	err  error
}

func testKey(t testing.TB) (*issuer.Key, string) {
	t.Helper()
	signing.once.Do(func() {
		signing.key, signing.err = issuer.NewKey()
		if signing.err != nil {
			return
		}
		// One key for the whole test binary; its directory outlives any
		// single test, so it is not a t.TempDir.
		dir, err := os.MkdirTemp("", "tuijin-jwks-")
		if err != nil {
			signing.err = err
			return
		}
		signing.jwks = filepath.Join(dir, "jwks.json")
		signing.err = signing.key.WriteJWKS(signing.jwks)
	})
	if signing.err != nil {
		t.Fatalf("test signing key: %v", signing.err)
	}
	return signing.key, signing.jwks
}

// AuthArgs are the flags that make a service accept the tests' tokens.
func AuthArgs(t testing.TB) []string {
	_, jwks := testKey(t)
	return []string{"--auth-issuer=" + TestIssuer, "--auth-jwks-file=" + jwks}
}

// AuthEnv is AuthArgs as environment variables, for services run as
// processes.
func AuthEnv(t testing.TB) []string {
	_, jwks := testKey(t)
	return []string{"TUIJIN_AUTH_ISSUER=" + TestIssuer, "TUIJIN_AUTH_JWKS_FILE=" + jwks}
}

// Verifier accepts the tokens Token signs, as a service started with
// AuthArgs does: for a server a test wires itself.
func Verifier(t testing.TB) *token.Verifier {
	t.Helper()
	_, jwks := testKey(t)
	v, err := token.NewVerifier(context.Background(), token.Config{Issuer: TestIssuer, Audience: "tuijin", JWKSFile: jwks})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Token signs a bearer token for p, valid for an hour.
func Token(t testing.TB, p auth.Principal) string {
	t.Helper()
	k, _ := testKey(t)
	tok, err := k.Sign(TestIssuer, "tuijin", auth.ClaimsOf(p), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// The principals tests act as, one per role (departments and names from
// the demo organisation).
var (
	AsOperations = auth.Principal{Subject: "ops", Name: "运维值班", Roles: []auth.Role{auth.Operations}}
	AsSupervisor = auth.Principal{Subject: "duban", Name: "督导组", Roles: []auth.Role{auth.Supervisor}}
	AsSecretary  = auth.Principal{Subject: "mishu", Name: "会议秘书", Roles: []auth.Role{auth.Secretary}}
)

// Clerk is a clerk of department dept.
func Clerk(dept string) auth.Principal {
	return auth.Principal{Subject: dept + "-clerk", Name: dept + " 经办人", Roles: []auth.Role{auth.Clerk}, Department: dept}
}

// Leader is the leader of department dept.
func Leader(dept string) auth.Principal {
	return auth.Principal{Subject: dept + "-leader", Name: dept + " 负责人", Roles: []auth.Role{auth.Leader}, Department: dept}
}

// Officer is the officer recorded on projects as name.
func Officer(name string) auth.Principal {
	return auth.Principal{Subject: "officer-" + name, Name: name, Roles: []auth.Role{auth.Officer}}
}

// OwnerOf is the contact of owner organisation org.
func OwnerOf(org string) auth.Principal {
	return auth.Principal{Subject: "owner-" + org, Name: org, Roles: []auth.Role{auth.Owner}, Owner: org}
}

// Caller is one column of an access table: a principal, or no token at
// all (P nil).
type Caller struct {
	Name string
	P    *auth.Principal
}

// As is the caller name acting as p.
func As(name string, p auth.Principal) Caller { return Caller{name, &p} }

// Callers are the columns of an access table: no token, each role with
// its out-of-scope variants (departments zrzy and fgw, officer wangfang,
// the owner zhineng of the demo organisation), then extra.
func Callers(extra ...Caller) []Caller {
	return append([]Caller{
		{"no token", nil},
		As("owner", OwnerOf("zhineng")),
		As("officer", Officer("wangfang")),
		As("clerk zrzy", Clerk("zrzy")),
		As("clerk fgw", Clerk("fgw")),
		As("leader zrzy", Leader("zrzy")),
		As("leader fgw", Leader("fgw")),
		As("supervisor", AsSupervisor),
		As("secretary", AsSecretary),
		As("operations", AsOperations),
	}, extra...)
}
