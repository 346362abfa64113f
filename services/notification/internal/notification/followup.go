package notification

import (
	"github.com/tuijin/tuijin/pkg/event"
)

// Templates of the follow-up clocks: the owner's 容缺 materials and the
// department's 告知承诺 check.
const (
	TplSupplementWarning = "supplement_warning"
	TplSupplementMissed  = "supplement_missed"
	TplCheckWarning      = "check_warning"
	TplCheckDue          = "check_due"
)

// followUpTemplates are the templates of the follow-up clocks' events.
var followUpTemplates = map[string]string{
	event.TypeSupplementWarning: TplSupplementWarning, event.TypeSupplementMissed: TplSupplementMissed,
	event.TypeCheckWarning: TplCheckWarning, event.TypeCheckDue: TplCheckDue,
}

// IsFollowUp reports whether an alert is a follow-up clock's (容缺 materials
// owed by the owner, a 告知承诺 check owed by the department) rather than
// the department's own time limit.
func (d DeadlineAlert) IsFollowUp() bool {
	_, ok := followUpTemplates[d.EventType]
	return ok
}

// FollowUpNotice tells the department and the project's officer (when
// known) that a follow-up falls due or fell due. item and p are what is
// known of the item and its project: the message names them, and the ids
// only where no name is known.
func FollowUpNotice(d DeadlineAlert, names Names, item string, p Project) Notice {
	subject := orDefault(item, orDefault(d.Title, "事项（"+orDefault(d.RefID, "—")+"）"))
	p.Name = orDefault(p.Name, d.ProjectName)
	where, heading := "项目（项目代码 "+orDefault(d.ProjectCode, "—")+"）", subject
	if p.Name != "" {
		where, heading = "项目「"+p.Name+"」（项目代码 "+d.ProjectCode+"）", p.Name+" · "+subject
	}
	dept := names.Dept(d.Department)
	to := []Addressee{{Recipient: DepartmentRecipient(d.Department), Data: map[string]any{"Greeting": dept}}}
	if p.Officer != "" && ValidRecipient(OfficerRecipient(p.Officer)) {
		to = append(to, Addressee{Recipient: OfficerRecipient(p.Officer), Data: map[string]any{"Greeting": "推进专员"}})
	}
	return Notice{
		EventID: d.EventID, EventType: d.EventType, Template: followUpTemplates[d.EventType],
		Data: map[string]any{"Subject": subject, "Heading": heading, "Project": where, "DeptName": dept,
			"DueAt": formatDue(d.DueAt)},
		To: to, ProjectCode: d.ProjectCode, ItemID: d.RefID,
	}
}
