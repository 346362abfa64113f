package notification

import (
	"regexp"
	"strings"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
)

// Kinds of recipients. A recipient is written "<kind>:<id>", e.g. dept:zrzy.
const (
	KindDepartment = "dept"    // a department's service desk
	KindLeader     = "leader"  // a department's leader, from 约谈 on
	KindOwner      = "owner"   // a project owner's contact, id is the project code
	KindOfficer    = "officer" // a project's dedicated officer (推进专员)
	// KindRole is everyone holding a role of the service room: the
	// supervisors (督导) and the meeting secretaries, who read the
	// leaders' briefings (role:supervisor, role:secretary).
	KindRole = "role"
)

const recipientDept = KindDepartment + ":"

// DepartmentRecipient is the recipient name of a department.
func DepartmentRecipient(code string) string { return recipientDept + code }

// LeaderRecipient is the recipient name of a department's leader.
func LeaderRecipient(code string) string { return KindLeader + ":" + code }

// OwnerRecipient is the recipient name of a project's owner contact.
func OwnerRecipient(projectCode string) string { return KindOwner + ":" + projectCode }

// OfficerRecipient is the recipient name of an officer.
func OfficerRecipient(id string) string { return KindOfficer + ":" + id }

// RoleRecipient is the recipient name of everyone holding role.
func RoleRecipient(role auth.Role) string { return KindRole + ":" + string(role) }

// RoleRecipients are the roles that have an inbox of their own.
var RoleRecipients = []auth.Role{auth.Supervisor, auth.Secretary}

var (
	orgRecipientRE   = regexp.MustCompile(`^(dept|leader):[a-z][a-z0-9]{1,15}$`)
	ownerRecipientRE = regexp.MustCompile(`^owner:\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$`)
	otherRecipientRE = regexp.MustCompile(`^officer:[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)
	roleRecipientRE  = regexp.MustCompile(`^role:(supervisor|secretary)$`)
)

// ValidRecipient reports whether r names a recipient Tuijin can address.
func ValidRecipient(r string) bool {
	return orgRecipientRE.MatchString(r) || ownerRecipientRE.MatchString(r) || otherRecipientRE.MatchString(r) ||
		roleRecipientRE.MatchString(r)
}

// ParseRecipient trims r and checks it, naming field in the error.
func ParseRecipient(field, r string) (string, error) {
	r = strings.TrimSpace(r)
	switch {
	case r == "":
		return "", apperr.Invalid(field, "required", field+" is required, e.g. dept:zrzy")
	case !ValidRecipient(r):
		return "", apperr.Invalid(field, "invalid_recipient",
			field+" must be dept:<code>, leader:<code>, owner:<project code>, officer:<id>, role:supervisor or role:secretary")
	}
	return r, nil
}

// projectCodeRE is the national investment project code (项目代码).
var projectCodeRE = regexp.MustCompile(`^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$`)
