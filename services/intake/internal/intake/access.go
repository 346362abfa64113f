package intake

import (
	"github.com/tuijin/tuijin/pkg/auth"
)

// The scope checks of the HTTP use cases (pkg/auth/ACCESS.md): which roles
// may call a route is the transport's endpoint middleware; whether the
// principal may act on this project is decided here, where the project is
// known. The use cases HTTP calls refuse a context without a principal, so
// a route wired without authentication fails closed; the consumers' use
// cases (FollowTask, FollowStage) are trusted system paths and check none.

// officerCode is the officer code p stands for: projects record their
// officer by the organisation's code (wangfang) while a token may name the
// officer by the code or by name (王芳). "" when p is no officer.
func (s *Service) officerCode(p auth.Principal) string {
	if !p.Has(auth.Officer) || p.Name == "" {
		return ""
	}
	if code, ok := s.ref.officer(p.Name); ok {
		return code
	}
	return p.Name
}

// ownsProject reports whether p is the owner or the officer of pr.
func (s *Service) ownsProject(p auth.Principal, pr Project) bool {
	if p.OwnerOf(pr.OwnerOrganisation) {
		return true
	}
	code := s.officerCode(p)
	return code != "" && code == pr.Officer
}

// mayRead reports whether p may read pr: a holder of one of the unscoped
// roles reads any project, the owner and the officer read theirs.
func (s *Service) mayRead(p auth.Principal, pr Project, unscoped ...auth.Role) bool {
	return p.Has(unscoped...) || s.ownsProject(p, pr)
}

// Who reads every project; owners and officers read theirs.
var projectReaders = []auth.Role{auth.Clerk, auth.Leader, auth.Supervisor, auth.Secretary}

// checkRegistrant refuses an owner registering a project of another
// organisation; officers and supervisors register any.
func checkRegistrant(p auth.Principal, pr Project) error {
	if p.Has(auth.Officer, auth.Supervisor) || p.OwnerOf(pr.OwnerOrganisation) {
		return nil
	}
	if p.Has(auth.Owner) {
		return auth.Forbidden("an owner registers only projects of their own organisation (" + p.Owner + ")")
	}
	return auth.Forbidden("registering a project needs the role owner, officer or supervisor")
}

// scopeQuery forces a listing to what p may read: an owner lists only
// their organisation's projects, an officer only those they are assigned;
// a filter naming someone else's is refused rather than silently replaced.
func (s *Service) scopeQuery(p auth.Principal, q ProjectQuery) (ProjectQuery, error) {
	if p.Has(projectReaders...) {
		return q, nil
	}
	officer := s.officerCode(p)
	if p.Has(auth.Owner) && p.Owner != "" && (q.Officer == "" || officer == "") {
		if q.Owner != "" && !p.OwnerOf(q.Owner) {
			return ProjectQuery{}, auth.Forbidden("an owner lists only their own organisation's projects (" + p.Owner + ")")
		}
		q.Owner = p.Owner
		return q, nil
	}
	if officer != "" {
		if q.Officer != "" && q.Officer != officer {
			return ProjectQuery{}, auth.Forbidden("an officer lists only the projects they are assigned (" + officer + ")")
		}
		q.Officer = officer
		return q, nil
	}
	return ProjectQuery{}, auth.Forbidden("listing projects needs the role owner, officer, clerk, leader, supervisor or secretary")
}
