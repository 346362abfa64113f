package meeting

import (
	"fmt"

	"github.com/tuijin/tuijin/pkg/auth"
)

// Who may do what with meetings (pkg/auth/ACCESS.md, coordination-meeting).
var (
	// Readers read meetings, their invitations and minutes, and the agenda
	// candidates: the staff of the service room, not owners nor operations.
	Readers = []auth.Role{auth.Officer, auth.Clerk, auth.Leader, auth.Supervisor, auth.Secretary}
	// Conveners schedule meetings and edit their agendas.
	Conveners = []auth.Role{auth.Secretary, auth.Supervisor}
	// Rearrangers move and cancel meetings.
	Rearrangers = []auth.Role{auth.Secretary, auth.Supervisor}
	// MinuteTakers record the minutes.
	MinuteTakers = []auth.Role{auth.Secretary}
)

// actionRoles are the roles that may make each change of an action item: its
// department reports it done (a clerk or leader of that department, see
// authorizeActionChange), the secretary or a supervisor confirms or reopens it.
var actionRoles = map[string][]auth.Role{
	ChangeDone:    {auth.Clerk, auth.Leader},
	ChangeConfirm: {auth.Secretary, auth.Supervisor},
	ChangeReopen:  {auth.Secretary, auth.Supervisor},
}

// authorizeActionChange refuses p a change of the action item c names on m
// that is not theirs: only a clerk or leader of the action's department
// reports it done. An unknown action is left to ApplyActionChange (404).
func authorizeActionChange(p auth.Principal, m *Meeting, c ActionChange) error {
	if c.Change != ChangeDone {
		return nil
	}
	idx := findAction(m, c.Ref)
	if idx < 0 {
		return nil
	}
	a := m.Minutes.Decisions[idx].Action
	if !p.OfDepartment(a.Department) {
		return auth.Forbidden(fmt.Sprintf("action item %s is department %s's: only a clerk or leader of %s reports it done",
			a.ID, a.Department, a.Department))
	}
	return nil
}
