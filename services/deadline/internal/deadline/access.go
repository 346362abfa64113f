package deadline

import (
	"context"
	"fmt"
	"strings"

	"github.com/tuijin/tuijin/pkg/auth"
)

// Readers are the roles that read deadlines (pkg/auth/ACCESS.md): a clerk
// or leader their own department's, an officer, a supervisor or a
// secretary any department's.
var Readers = []auth.Role{auth.Clerk, auth.Leader, auth.Officer, auth.Supervisor, auth.Secretary}

// readsAll are the readers no department bounds.
var readsAll = []auth.Role{auth.Officer, auth.Supervisor, auth.Secretary}

// Reads is what the clock answers the people who read it.
type Reads interface {
	Get(ctx context.Context, id string) (Deadline, error)
	List(ctx context.Context, department, level string) ([]Deadline, error)
}

// ScopedReads returns next answering only what the principal of each call's
// context may read: a call without one is unauthenticated, a role that
// reads no deadlines is refused, and a clerk or leader reads only their
// department's (a list without a department is theirs). The consumers reach
// the clock without a principal and never through this.
func ScopedReads(next Reads) Reads { return scopedReads{next: next} }

type scopedReads struct{ next Reads }

func (s scopedReads) Get(ctx context.Context, id string) (Deadline, error) {
	p, err := auth.Require(ctx, Readers...)
	if err != nil {
		return Deadline{}, err
	}
	d, err := s.next.Get(ctx, id)
	if err != nil {
		return Deadline{}, err
	}
	if !p.Has(readsAll...) && !p.OfDepartment(d.Department) {
		return Deadline{}, auth.Forbidden(fmt.Sprintf(
			"deadline %s is department %s's: it is read by a clerk or leader of %s, an officer, a supervisor or a secretary",
			d.ID, d.Department, d.Department))
	}
	return d, nil
}

func (s scopedReads) List(ctx context.Context, department, level string) ([]Deadline, error) {
	p, err := auth.Require(ctx, Readers...)
	if err != nil {
		return nil, err
	}
	if !p.Has(readsAll...) {
		department = strings.TrimSpace(department)
		if department == "" {
			department = p.Department
		}
		switch {
		case p.Department == "":
			return nil, auth.Forbidden("a clerk or leader reads their department's deadlines, and this token names no department")
		case !p.OfDepartment(department):
			return nil, auth.Forbidden(fmt.Sprintf(
				"a clerk or leader reads only their own department's deadlines (department=%s), not %s's",
				p.Department, department))
		}
	}
	return s.next.List(ctx, department, level)
}
