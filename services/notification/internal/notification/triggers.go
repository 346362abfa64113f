package notification

import (
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/phone"
)

// Project is what notification remembers of a registered project to reach
// its owner and officer (tuijin.intake.project.registered). The owner
// organisation says whose the owner:<code> inbox is.
type Project struct {
	Code              string
	Name              string
	OwnerOrganisation string
	OwnerContact      string
	OwnerPhone        string
	Officer           string
}

// ItemChange is an item's status change (tuijin.ledger.item.changed.<dept>).
type ItemChange struct {
	EventID     string
	ItemID      string
	ItemType    string
	ProjectCode string
	Department  string
	FromStatus  string
	ToStatus    string
	Note        string
	ChangedAt   time.Time
}

// Validate reports a change no retry can make deliverable.
func (c ItemChange) Validate() error {
	switch {
	case c.EventID == "":
		return apperr.Invalid("event_id", "required", "the event has no id")
	case c.ItemID == "":
		return apperr.Invalid("item_id", "required", "the change names no item")
	case !projectCodeRE.MatchString(c.ProjectCode):
		return apperr.Invalid("project_code", "invalid_code", "the change names no valid project code")
	}
	return validDept(c.Department)
}

// itemStatusNames are the ledger's item statuses as the owner reads them.
var itemStatusNames = map[string]string{
	"waiting": "待前置事项办结", "assigned": "已分派", "accepted": "已受理", "supplement": "待补正",
	"suspended": "已中止", "approved": "已办结（准予许可）", "rejected": "不予许可", "withdrawn": "已撤回",
}

func statusName(s string) string {
	if n, ok := itemStatusNames[s]; ok {
		return n
	}
	return orDefault(s, "未知")
}

// ChangedNotice tells the project's owner contact and, when known, its
// officer. p is the projection of the project and item the item's catalog
// name; unknown ones still reach the owner's inbox.
func ChangedNotice(c ItemChange, p Project, item string, names Names) Notice {
	mobile, _ := textable(p.OwnerPhone)
	to := []Addressee{{Recipient: OwnerRecipient(c.ProjectCode), Phone: mobile}}
	if p.Officer != "" && ValidRecipient(OfficerRecipient(p.Officer)) {
		to = append(to, Addressee{Recipient: OfficerRecipient(p.Officer)})
	}
	return Notice{
		EventID: c.EventID, EventType: "tuijin.ledger.item.changed", Template: TplItemChanged,
		Data: map[string]any{
			"Project": orDefault(p.Name, c.ProjectCode), "ProjectCode": c.ProjectCode,
			"Item": orDefault(item, orDefault(c.ItemType, c.ItemID)), "DeptName": names.Dept(c.Department),
			"FromStatus": statusName(c.FromStatus), "ToStatus": statusName(c.ToStatus), "Note": c.Note,
		},
		To: to, ProjectCode: c.ProjectCode, ItemID: c.ItemID,
	}
}

// RequestAck acknowledges a service request to its owner
// (tuijin.intake.request.received).
type RequestAck struct {
	EventID     string
	RequestID   string
	ProjectCode string
	Title       string
	Contact     string
	Phone       string
}

// Validate reports a request no retry can make deliverable.
func (r RequestAck) Validate() error {
	switch {
	case r.EventID == "":
		return apperr.Invalid("event_id", "required", "the event has no id")
	case r.RequestID == "":
		return apperr.Invalid("request_id", "required", "the request has no id")
	case !projectCodeRE.MatchString(r.ProjectCode):
		return apperr.Invalid("project_code", "invalid_code", "the request names no valid project code")
	}
	return nil
}

// textable returns the number to text for a phone given on a form: the
// mobile number, or "" and why no message can go (for the owner's record);
// no phone at all needs no reason.
func textable(s string) (mobile, why string) {
	if strings.TrimSpace(s) == "" {
		return "", ""
	}
	n, err := phone.Parse(s)
	switch {
	case err != nil:
		return "", "您填写的联系电话“" + s + "”无法识别，本通知未发送短信，请在站内消息查看后续进展。"
	case !n.CanSMS():
		return "", "您填写的联系电话 " + n.National + " 是固定电话，无法接收短信；后续进展请在站内消息查看，或补充手机号码。"
	}
	return n.National, ""
}

// RequestNotice is the acknowledgement with the one-time notice (一次性告知).
func RequestNotice(r RequestAck) Notice {
	mobile, why := textable(r.Phone)
	return Notice{
		EventID: r.EventID, EventType: "tuijin.intake.request.received", Template: TplRequestReceived,
		Data: map[string]any{"Title": orDefault(r.Title, "服务"), "Contact": orDefault(r.Contact, "项目单位联系人"),
			"ProjectCode": r.ProjectCode, "RequestID": r.RequestID, "NoSMS": why},
		To:          []Addressee{{Recipient: OwnerRecipient(r.ProjectCode), Phone: mobile}},
		ProjectCode: r.ProjectCode,
	}
}

// Levels of a deadline event, as numbered by the deadline service.
const (
	LevelYellow    = 1
	LevelRed       = 2
	LevelUrge      = 3
	LevelSupervise = 4
	LevelInterview = 5 // 约谈: from here on leaders are told too
	LevelEscalate  = 6
)

var levelNames = map[int]string{
	LevelYellow: "黄灯预警", LevelRed: "红灯超期", LevelUrge: "催办", LevelSupervise: "督办",
	LevelInterview: "约谈", LevelEscalate: "提级",
}

// DeadlineAlert is a clock event (tuijin.deadline.warning|overdue|escalated,
// and the follow-up clocks' tuijin.deadline.supplement.*, …check.*).
type DeadlineAlert struct {
	EventID     string
	EventType   string // the envelope type
	Kind        string // item, supplement, problem, action
	RefID       string
	ProjectCode string
	Department  string
	Level       int
	DueAt       time.Time
	// Title and ProjectName are the names the clock carries, for when
	// nothing else is known of the item or its project.
	Title, ProjectName string
}

// Validate reports an alert no retry can make deliverable.
func (d DeadlineAlert) Validate() error {
	if d.EventID == "" {
		return apperr.Invalid("event_id", "required", "the event has no id")
	}
	if _, ok := levelNames[d.Level]; !ok {
		return apperr.Invalid("level", "invalid_level", "the alert has no known level")
	}
	return validDept(d.Department)
}

var deadlineSubjects = map[string]string{"item": "审批事项", "supplement": "补正材料", "problem": "问题办理", "action": "会议交办事项"}

// DeadlineNotice tells the department, and its leader from 约谈 on.
//
// item and project are the names known of the item and its project ("" if
// none): the message names them, and the ids only where no name is known.
func DeadlineNotice(d DeadlineAlert, names Names, item, project string) Notice {
	tpl := TplDeadlineEscalated
	switch {
	case strings.HasSuffix(d.EventType, ".warning"):
		tpl = TplDeadlineWarning
	case strings.HasSuffix(d.EventType, ".overdue"):
		tpl = TplDeadlineOverdue
	}
	subject := orDefault(deadlineSubjects[d.Kind], "事项")
	switch {
	case item != "":
		subject = item
	case d.RefID != "":
		subject += "（" + d.RefID + "）"
	}
	where, heading := "项目（项目代码 "+orDefault(d.ProjectCode, "—")+"）", subject
	if project != "" {
		where, heading = "项目「"+project+"」（项目代码 "+d.ProjectCode+"）", project+" · "+subject
	}
	to := []Addressee{{Recipient: DepartmentRecipient(d.Department), Data: map[string]any{"Leader": false}}}
	if d.Level >= LevelInterview {
		to = append(to, Addressee{Recipient: LeaderRecipient(d.Department), Data: map[string]any{"Leader": true}})
	}
	return Notice{
		EventID: d.EventID, EventType: d.EventType, Template: tpl,
		Data: map[string]any{"LevelName": levelNames[d.Level], "Level": d.Level, "Subject": subject, "Heading": heading,
			"ProjectCode": orDefault(d.ProjectCode, "—"), "Project": where, "DeptName": names.Dept(d.Department),
			"LeaderName": names.LeaderOf(d.Department), "DueAt": formatDue(d.DueAt)},
		To: to, ProjectCode: d.ProjectCode,
	}
}

// MeetingInvite is a scheduled meeting (tuijin.meeting.scheduled).
type MeetingInvite struct {
	EventID   string
	MeetingID string
	Kind      string
	Title     string
	StartsAt  time.Time
	Location  string
	Attendees []string
	Agenda    []string
	// Status is "scheduled" (or empty), "moved" (StartsAt and Location are
	// the new ones) or "cancelled"; Reason says why it changed.
	Status string
	Reason string
}

// Meeting statuses of tuijin.meeting.scheduled.
const (
	MeetingMoved     = "moved"
	MeetingCancelled = "cancelled"
)

// Validate reports an invite no retry can make deliverable.
func (m MeetingInvite) Validate() error {
	if m.EventID == "" {
		return apperr.Invalid("event_id", "required", "the event has no id")
	}
	if len(m.Attendees) == 0 {
		return apperr.Invalid("attendees", "required", "the meeting has no attendees")
	}
	for _, a := range m.Attendees {
		if err := validDept(a); err != nil {
			return err
		}
	}
	switch m.Status {
	case "", "scheduled", MeetingMoved, MeetingCancelled:
	default:
		return apperr.Invalid("status", "unknown_status", "unknown meeting status "+m.Status)
	}
	return nil
}

var meetingKindNames = map[string]string{"dispatch": "调度会", "team_report": "专班工作汇报会", "joint": "联席会议", "on_site": "现场会"}

// MeetingNotice invites every attending department.
func MeetingNotice(m MeetingInvite, names Names) Notice {
	attendeeNames := make([]string, len(m.Attendees))
	to := make([]Addressee, len(m.Attendees))
	for i, a := range m.Attendees {
		attendeeNames[i] = names.Dept(a)
		to[i] = Addressee{Recipient: DepartmentRecipient(a), Data: map[string]any{"DeptName": names.Dept(a)}}
	}
	return Notice{
		EventID: m.EventID, EventType: "tuijin.meeting.scheduled", Template: TplMeetingScheduled,
		Data: map[string]any{"Title": orDefault(m.Title, "协调会议"), "StartsAt": formatTime(m.StartsAt),
			"Location": orDefault(m.Location, "（地点另行通知）"), "KindName": orDefault(meetingKindNames[m.Kind], "会议"),
			"AttendeeNames": strings.Join(attendeeNames, "、"), "Agenda": m.Agenda,
			"Moved": m.Status == MeetingMoved, "Cancelled": m.Status == MeetingCancelled, "Reason": m.Reason},
		To: to,
	}
}

// ActionAssigned is a meeting's action item for a department
// (tuijin.meeting.action.created.<dept>).
type ActionAssigned struct {
	EventID     string
	ActionID    string
	MeetingID   string
	ProjectCode string
	Department  string
	Description string
	DueAt       time.Time
}

// Validate reports an action no retry can make deliverable.
func (a ActionAssigned) Validate() error {
	switch {
	case a.EventID == "":
		return apperr.Invalid("event_id", "required", "the event has no id")
	case a.ActionID == "":
		return apperr.Invalid("action_id", "required", "the action has no id")
	}
	return validDept(a.Department)
}

// ActionNotice tells the department what the meeting asked of it.
func ActionNotice(a ActionAssigned, names Names) Notice {
	return Notice{
		EventID: a.EventID, EventType: "tuijin.meeting.action.created", Template: TplActionCreated,
		Data: map[string]any{"DeptName": names.Dept(a.Department), "MeetingID": a.MeetingID,
			"ProjectCode": a.ProjectCode, "Description": orDefault(a.Description, "（见会议纪要）"), "DueAt": formatDue(a.DueAt)},
		To: []Addressee{{Recipient: DepartmentRecipient(a.Department)}}, ProjectCode: a.ProjectCode,
	}
}
