package ledger

import (
	"fmt"
	"strings"

	"github.com/tuijin/tuijin/pkg/auth"
)

// Who may touch which ledger (pkg/auth/ACCESS.md, ledger). The routes
// check the caller's roles before a use case runs; the use cases below
// check the caller against the entity once it is loaded: the item's
// department, the project's owner organisation and officer, the problem's
// department. The consumers' use cases (OpenLedger, FileRequest,
// RecordDecision, RecountDue) are the system's own and check nothing.

// officerOf reports whether pr is the officer a project records as
// officer. Projects record the organisation's officer code (wangfang) and a
// token names the person, by that code or by the name the organisation
// gives it (王芳): both identify the officer.
func (s *Service) officerOf(pr auth.Principal, officer string) bool {
	officer = strings.TrimSpace(officer)
	if officer == "" {
		return false
	}
	if pr.OfficerOf(officer) {
		return true
	}
	name, ok := s.officerName(officer)
	return ok && pr.OfficerOf(name)
}

// mayRead: the project's owner and officer, any clerk, leader, supervisor
// or secretary.
func (s *Service) mayRead(pr auth.Principal, p *Project) error {
	if pr.Has(auth.Clerk, auth.Leader, auth.Supervisor, auth.Secretary) ||
		pr.OwnerOf(p.OwnerOrganisation) || s.officerOf(pr, p.Officer) {
		return nil
	}
	return auth.Forbidden(fmt.Sprintf("project %s is readable by its owner and its officer, "+
		"department clerks and leaders, supervisors and secretaries", p.Code))
}

// mayAct: a clerk or leader of the item's department.
func mayAct(pr auth.Principal, it *Item) error {
	if pr.OfDepartment(it.Department) {
		return nil
	}
	return auth.Forbidden(fmt.Sprintf("only a clerk or leader of department %s may act on item %s", it.Department, it.ID))
}

// mayRaise: the project's owner and officer, supervisors.
func (s *Service) mayRaise(pr auth.Principal, p *Project) error {
	if pr.Has(auth.Supervisor) || pr.OwnerOf(p.OwnerOrganisation) || s.officerOf(pr, p.Officer) {
		return nil
	}
	return auth.Forbidden(fmt.Sprintf("a problem of project %s is raised by its owner, its officer or a supervisor", p.Code))
}

// mayUpdateProblem: the officer of the problem's project, a clerk or
// leader of the problem's department, supervisors.
func (s *Service) mayUpdateProblem(pr auth.Principal, p *Project, problemID string) error {
	if pr.Has(auth.Supervisor) || s.officerOf(pr, p.Officer) {
		return nil
	}
	for _, prob := range p.Problems {
		if prob.ID == problemID {
			if pr.OfDepartment(prob.Department) {
				return nil
			}
			return auth.Forbidden(fmt.Sprintf("problem %s is updated by the officer of project %s, "+
				"a clerk or leader of department %s or a supervisor", problemID, p.Code, prob.Department))
		}
	}
	if pr.Has(auth.Clerk, auth.Leader) {
		return nil // no such problem: the update answers 404
	}
	return auth.Forbidden(fmt.Sprintf("the problems of project %s are updated by its officer, "+
		"a clerk or leader of their department or a supervisor", p.Code))
}

// mayUpdateProgress: the project's officer, supervisors.
func (s *Service) mayUpdateProgress(pr auth.Principal, p *Project) error {
	if pr.Has(auth.Supervisor) || s.officerOf(pr, p.Officer) {
		return nil
	}
	return auth.Forbidden(fmt.Sprintf("the progress of project %s is updated by its officer or a supervisor", p.Code))
}

// mayActOnTask: the project's officer.
func (s *Service) mayActOnTask(pr auth.Principal, p *Project) error {
	if s.officerOf(pr, p.Officer) {
		return nil
	}
	return auth.Forbidden(fmt.Sprintf("the tasks of project %s are the work of its officer", p.Code))
}

// queueDepartment is the department whose queue pr may list when asking
// for department (empty: every department): officers, supervisors and
// secretaries see any queue; a clerk or leader sees only their own
// department's, which is also what they get when they name none.
func queueDepartment(pr auth.Principal, department string) (string, error) {
	if pr.Has(auth.Officer, auth.Supervisor, auth.Secretary) {
		return department, nil
	}
	if !pr.Has(auth.Clerk, auth.Leader) || pr.Department == "" {
		return "", auth.Forbidden("a work queue is read by the department's clerks and leaders, officers, supervisors and secretaries")
	}
	if department != "" && department != pr.Department {
		return "", auth.Forbidden(fmt.Sprintf("a clerk or leader of %s reads only the queue of %s, not of %s",
			pr.Department, pr.Department, department))
	}
	return pr.Department, nil
}

// taskScope says which tasks pr may list when asking for officer (empty:
// every officer's): supervisors any, an officer only their own.
func (s *Service) taskScope(pr auth.Principal, officer string) (func(officer string) bool, error) {
	if pr.Has(auth.Supervisor) {
		return func(string) bool { return true }, nil
	}
	if !pr.Has(auth.Officer) {
		return nil, auth.Forbidden("tasks are read by officers (their own) and supervisors")
	}
	if officer != "" && !s.officerOf(pr, officer) {
		return nil, auth.Forbidden(fmt.Sprintf("an officer reads only their own tasks, not those of %s", officer))
	}
	return func(o string) bool { return s.officerOf(pr, o) }, nil
}
