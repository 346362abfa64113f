// Package auth is who a caller is and what they may do: the principal a
// bearer token proves, its roles and scope, and the checks services make
// against them. Tokens are JWTs from an OpenID Connect provider (the
// government's in production, package issuer in the local run), verified in
// every service against the provider's published keys (see Verifier).
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Role is what a person does in the key-project service.
type Role string

// The roles of the service room. A principal may hold several.
const (
	// Owner is a project owner's contact (企业): their own projects and requests.
	Owner Role = "owner"
	// Officer is a dedicated officer (推进专员): the projects they are assigned.
	Officer Role = "officer"
	// Clerk is a department's clerk (部门经办人): their department's items.
	Clerk Role = "clerk"
	// Leader is a department's leader (部门负责人): as the clerk, plus the
	// department's notification preferences.
	Leader Role = "leader"
	// Supervisor is the supervision team (督导): reads everything, assigns
	// officers, convenes meetings, reads the audit trail.
	Supervisor Role = "supervisor"
	// Secretary is a coordination meeting's secretary: agendas and minutes.
	Secretary Role = "secretary"
	// Operations runs the system: deliveries, preferences, the audit trail;
	// no business decisions.
	Operations Role = "operations"
)

// Roles lists every role, in the order the README documents them.
var Roles = []Role{Owner, Officer, Clerk, Leader, Supervisor, Secretary, Operations}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Principal is the caller a verified token names. Department scopes a clerk
// or leader; Owner (the owner organisation, as projects record it) scopes an
// owner; Name (as projects record their officer) scopes an officer.
type Principal struct {
	Subject    string `json:"sub"`
	Name       string `json:"name,omitempty"`
	Roles      []Role `json:"roles"`
	Department string `json:"department,omitempty"`
	Owner      string `json:"owner,omitempty"`
}

// Has reports whether p holds any of roles.
func (p Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// OfDepartment reports whether p is a clerk or leader of department code.
func (p Principal) OfDepartment(code string) bool {
	return code != "" && p.Department == code && p.Has(Clerk, Leader)
}

// OwnerOf reports whether p is an owner and organisation is theirs.
func (p Principal) OwnerOf(organisation string) bool {
	return p.Owner != "" && p.Owner == strings.TrimSpace(organisation) && p.Has(Owner)
}

// OfficerOf reports whether p is an officer and officer (a project's officer
// name) is theirs.
func (p Principal) OfficerOf(officer string) bool {
	return p.Name != "" && p.Name == strings.TrimSpace(officer) && p.Has(Officer)
}

// Actor is how the audit trail and logs name p: subject, and name when known.
func (p Principal) Actor() string {
	if p.Name == "" || p.Name == p.Subject {
		return p.Subject
	}
	return p.Subject + " (" + p.Name + ")"
}

type ctxKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal ctx carries, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// ErrUnauthenticated answers a call that carries no valid token (401).
var ErrUnauthenticated = apperr.Unauthenticated("unauthenticated",
	"sign in first: send Authorization: Bearer <token>")

// Forbidden answers a call its principal may not make (403), saying why in
// words a user understands.
func Forbidden(message string) error { return apperr.Forbidden("forbidden", message) }

// Caller returns the principal in ctx, ErrUnauthenticated when it carries
// none: what a use case reached only through the API starts with.
func Caller(ctx context.Context) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	return p, nil
}

// Require returns the principal in ctx when it holds one of roles:
// ErrUnauthenticated when ctx carries none, a forbidden error naming the
// roles when it holds none of them.
func Require(ctx context.Context, roles ...Role) (Principal, error) {
	p, err := Caller(ctx)
	if err != nil {
		return p, err
	}
	if !p.Has(roles...) {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		return p, Forbidden("this needs the role " + strings.Join(names, " or "))
	}
	return p, nil
}
