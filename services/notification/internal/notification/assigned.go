package notification

import (
	"fmt"
	"regexp"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Assignment is an approval item the ledger handed to a department
// (tuijin.ledger.item.assigned.<dept>).
type Assignment struct {
	EventID      string
	ItemID       string
	ItemType     string
	ItemName     string
	ProjectCode  string
	ProjectName  string
	Department   string
	PromisedDays int
	Immediate    bool
	GreenChannel bool
	// Officer is the project's dedicated officer, when the ledger knows it.
	Officer string
}

var deptCodeRE = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)

// Validate reports an assignment no retry can make deliverable.
func (a Assignment) Validate() error {
	switch {
	case a.EventID == "":
		return apperr.Invalid("event_id", "required", "the event has no id")
	case a.ItemID == "":
		return apperr.Invalid("item_id", "required", "the assignment names no item")
	case a.ProjectCode == "":
		return apperr.Invalid("project_code", "required", "the assignment names no project")
	}
	return validDept(a.Department)
}

func validDept(code string) error {
	if !deptCodeRE.MatchString(code) {
		return apperr.Invalid("department", "invalid_department", fmt.Sprintf("department %q is not a department code", code))
	}
	return nil
}

// AssignedNotice tells the department that an item now waits for it.
func AssignedNotice(a Assignment, names Names) Notice {
	return Notice{
		EventID: a.EventID, EventType: "tuijin.ledger.item.assigned", Template: TplItemAssigned,
		Data: map[string]any{
			"Project": orDefault(a.ProjectName, a.ProjectCode), "ProjectCode": a.ProjectCode,
			"Item": orDefault(a.ItemName, orDefault(a.ItemType, a.ItemID)), "DeptName": names.Dept(a.Department),
			"GreenChannel": a.GreenChannel, "Immediate": a.Immediate, "PromisedDays": a.PromisedDays,
		},
		To:          []Addressee{{Recipient: DepartmentRecipient(a.Department)}},
		ProjectCode: a.ProjectCode, ItemID: a.ItemID, GreenChannel: a.GreenChannel,
	}
}
