package notification

import (
	"fmt"
	"regexp"
	"strings"
	"time"

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
	case !deptCodeRE.MatchString(a.Department):
		return apperr.Invalid("department", "invalid_department", fmt.Sprintf("department %q is not a department code", a.Department))
	}
	return nil
}

// AssignedEntry is the inbox message telling a department (deptName is its
// Chinese name) that an item now waits for it.
func AssignedEntry(a Assignment, deptName string, now time.Time) Entry {
	project := orDefault(a.ProjectName, a.ProjectCode)
	item := orDefault(a.ItemName, orDefault(a.ItemType, a.ItemID))
	recipient := DepartmentRecipient(a.Department)

	var b strings.Builder
	if a.GreenChannel {
		b.WriteString("【绿色通道】优先办理。\n")
	}
	fmt.Fprintf(&b, "%s：项目「%s」（项目代码 %s）的“%s”已分派至本部门办理。\n",
		orDefault(deptName, a.Department), project, a.ProjectCode, item)
	switch {
	case a.Immediate:
		b.WriteString("即办件：请于当日办结。")
	case a.PromisedDays > 0:
		fmt.Fprintf(&b, "承诺时限：%d 个工作日。", a.PromisedDays)
	default:
		b.WriteString("承诺时限：未设定。")
	}
	return Entry{
		ID:           EntryID(a.EventID, recipient, ChannelInbox),
		Recipient:    recipient,
		Channel:      ChannelInbox,
		Title:        "新办理事项：" + project + " · " + item,
		Body:         b.String(),
		ProjectCode:  a.ProjectCode,
		ItemID:       a.ItemID,
		GreenChannel: a.GreenChannel,
		EventID:      a.EventID,
		CreatedAt:    now.UTC().Truncate(time.Millisecond),
	}
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
