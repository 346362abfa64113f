package notification

import (
	"context"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// TaskStep is a step the officer took on an owner's service request
// (tuijin.ledger.task.changed): 承接, 办理, 办结, 回访.
type TaskStep struct {
	EventID     string
	RequestID   string
	ProjectCode string
	Status      string
	Note        string
}

// taskStepNames say each step as the owner reads it.
var taskStepNames = map[string]string{
	"taken": "已由项目推进专员承接", "handling": "正在办理", "closed": "已办结", "visited": "已完成回访",
}

// Validate reports a step no retry can make deliverable.
func (t TaskStep) Validate() error {
	switch {
	case t.EventID == "":
		return apperr.Invalid("event_id", "required", "the event has no id")
	case t.RequestID == "":
		return apperr.Invalid("task_id", "required", "the step names no request")
	case !projectCodeRE.MatchString(t.ProjectCode):
		return apperr.Invalid("project_code", "invalid_code", "the step names no valid project code")
	case taskStepNames[t.Status] == "":
		return apperr.Invalid("to_status", "invalid_status", "the step has no status the owner is told of")
	}
	return nil
}

// TaskNotice tells the project's owner where their request stands, in the
// inbox and, to a mobile, by SMS.
func TaskNotice(t TaskStep, p Project) Notice {
	mobile, _ := textable(p.OwnerPhone)
	return Notice{
		EventID: t.EventID, EventType: "tuijin.ledger.task.changed", Template: TplTaskChanged,
		Data: map[string]any{"Contact": orDefault(p.OwnerContact, "项目单位联系人"), "Project": orDefault(p.Name, t.ProjectCode),
			"ProjectCode": t.ProjectCode, "RequestID": t.RequestID, "Step": taskStepNames[t.Status], "Note": t.Note,
			"Visited": t.Status == "visited"},
		To:          []Addressee{{Recipient: OwnerRecipient(t.ProjectCode), Phone: mobile}},
		ProjectCode: t.ProjectCode,
	}
}

// NotifyTask tells the owner of a step on their request.
func (s *Service) NotifyTask(ctx context.Context, t TaskStep) error {
	if err := t.Validate(); err != nil {
		return err
	}
	p, err := s.project(ctx, t.ProjectCode)
	if err != nil {
		return err
	}
	return s.Notify(ctx, TaskNotice(t, p))
}
