package notification

import (
	"context"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// ActionChange is a meeting action item's change
// (tuijin.meeting.action.changed.<dept>): done, confirm or reopen.
type ActionChange struct {
	EventID     string
	ActionID    string
	MeetingID   string
	ProjectCode string
	Department  string
	Description string
	DueAt       time.Time
	Change      string
	Actor       string
	Note        string
}

// Validate reports a change no retry can make deliverable.
func (c ActionChange) Validate() error {
	switch {
	case c.EventID == "":
		return apperr.Invalid("event_id", "required", "the event has no id")
	case c.ActionID == "":
		return apperr.Invalid("action_id", "required", "the action has no id")
	}
	return validDept(c.Department)
}

// actionChangeNames are the changes the department hears of: it reported
// the action done itself, so that one tells nobody.
var actionChangeNames = map[string]string{"confirm": "已确认办结", "reopen": "被退回重办"}

// ActionChangedNotice tells the department that its action item was
// confirmed or reopened, and by whom; ok is false for a change nobody needs
// to hear of.
func ActionChangedNotice(c ActionChange, names Names) (n Notice, ok bool) {
	what, ok := actionChangeNames[c.Change]
	if !ok {
		return Notice{}, false
	}
	return Notice{
		EventID: c.EventID, EventType: "tuijin.meeting.action.changed", Template: TplActionChanged,
		Data: map[string]any{"DeptName": names.Dept(c.Department), "MeetingID": c.MeetingID, "ProjectCode": c.ProjectCode,
			"Description": orDefault(c.Description, "（见会议纪要）"), "DueAt": formatDue(c.DueAt), "What": what,
			"Reopened": c.Change == "reopen", "Actor": orDefault(c.Actor, "会议秘书"), "Note": c.Note},
		To: []Addressee{{Recipient: DepartmentRecipient(c.Department)}}, ProjectCode: c.ProjectCode,
	}, true
}

func (s *Service) NotifyActionChanged(ctx context.Context, c ActionChange) error {
	if err := c.Validate(); err != nil {
		return err
	}
	n, ok := ActionChangedNotice(c, s.Names)
	if !ok {
		return nil
	}
	return s.Notify(ctx, n)
}
