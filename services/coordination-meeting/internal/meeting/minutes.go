package meeting

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// workZone is the zone meeting times are written in.
var workZone = workday.Zone

// Outcomes of a decision on an agenda entry.
const (
	OutcomeResolved = "resolved" // settled at the meeting
	OutcomeAction   = "action"   // a department must act by a deadline
	OutcomeEscalate = "escalate" // 提级: referred to the government with a special report
)

// Outcomes lists every outcome.
var Outcomes = []string{OutcomeResolved, OutcomeAction, OutcomeEscalate}

// Minutes are a meeting's record: one decision per agenda entry.
type Minutes struct {
	RecordedAt time.Time  `json:"recorded_at"`
	Summary    string     `json:"summary,omitempty"`
	Decisions  []Decision `json:"decisions"`
}

// Decision is what the meeting decided on one agenda entry.
type Decision struct {
	AgendaEntryID string  `json:"agenda_entry_id"`
	Outcome       string  `json:"outcome"`
	Text          string  `json:"text"`
	Action        *Action `json:"action,omitempty"`
	// Report is the special report (专题报告) of an escalation.
	Report string `json:"report,omitempty"`
}

// Action is an action item: a department, what it must do, by when. The
// deadline service tracks it from tuijin.meeting.action.created.<dept>.
type Action struct {
	ID          string    `json:"id"`
	Department  string    `json:"department"`
	Description string    `json:"description"`
	DueAt       time.Time `json:"due_at"`
	// Status is open, done or confirmed (see ActionOpen); History the
	// changes since the minutes, oldest first.
	Status  string        `json:"status"`
	History []ActionEntry `json:"history,omitempty"`
}

// State is a's status; actions recorded before statuses existed are open.
func (a Action) State() string {
	if a.Status == "" {
		return ActionOpen
	}
	return a.Status
}

// DecisionDraft is a decision as a caller records it; due_at is RFC 3339
// text so that a bad time is a broken rule (422).
type DecisionDraft struct {
	AgendaEntryID string       `json:"agenda_entry_id"`
	Outcome       string       `json:"outcome"`
	Text          string       `json:"text"`
	Action        *ActionDraft `json:"action"`
	Report        string       `json:"report"`
}

// ActionDraft is an action item as a caller records it.
type ActionDraft struct {
	Department  string `json:"department"`
	Description string `json:"description"`
	DueAt       string `json:"due_at"`
}

// ValidateMinutes checks drafts against meeting m: every agenda entry gets
// exactly one decision, and each decision carries what its outcome needs.
func ValidateMinutes(o *org.Org, m Meeting, summary string, drafts []DecisionDraft, now time.Time) (Minutes, error) {
	switch {
	case m.Status == StatusCancelled:
		return Minutes{}, apperr.Conflict("meeting_cancelled", "meeting "+m.ID+" is cancelled: it has no minutes")
	case m.Status != StatusScheduled:
		return Minutes{}, apperr.Conflict("minutes_recorded", "the minutes of meeting "+m.ID+" are recorded already")
	case now.Before(m.StartsAt):
		// A meeting held earlier than planned is moved first.
		return Minutes{}, apperr.Conflict("meeting_not_started", fmt.Sprintf("meeting %s starts at %s: minutes are recorded once it has started",
			m.ID, m.StartsAt.In(workZone).Format("2006-01-02 15:04")))
	}
	summary = strings.TrimSpace(summary)
	if len([]rune(summary)) > 5000 {
		return Minutes{}, apperr.Invalid("summary", "too_long", "summary is longer than 5000 characters")
	}
	entries := map[string]bool{}
	for _, e := range m.Agenda {
		entries[e.ID] = true
	}
	decided := map[string]bool{}
	out := Minutes{RecordedAt: now, Summary: summary, Decisions: make([]Decision, 0, len(drafts))}
	for i, d := range drafts {
		field := fmt.Sprintf("decisions[%d]", i)
		id := strings.TrimSpace(d.AgendaEntryID)
		switch {
		case !entries[id]:
			return Minutes{}, apperr.Invalid(field+".agenda_entry_id", "unknown_entry", fmt.Sprintf("no agenda entry %q on this meeting", id))
		case decided[id]:
			return Minutes{}, apperr.Invalid(field+".agenda_entry_id", "duplicate_decision", fmt.Sprintf("agenda entry %q is decided twice", id))
		case !slices.Contains(Outcomes, d.Outcome):
			return Minutes{}, apperr.Invalid(field+".outcome", "invalid_outcome", "outcome must be one of "+strings.Join(Outcomes, ", "))
		}
		decided[id] = true
		dec := Decision{AgendaEntryID: id, Outcome: d.Outcome, Text: strings.TrimSpace(d.Text)}
		if err := requireText(field+".text", dec.Text, 2000); err != nil {
			return Minutes{}, err
		}
		switch d.Outcome {
		case OutcomeAction:
			a, err := validateAction(o, field+".action", d.Action, now)
			if err != nil {
				return Minutes{}, err
			}
			a.ID = uuid.NewSHA1(agendaNS, []byte(m.ID+"\x00action\x00"+id)).String()
			a.Status = ActionOpen
			dec.Action = &a
		case OutcomeEscalate:
			dec.Report = strings.TrimSpace(d.Report)
			if err := requireText(field+".report", dec.Report, 20000); err != nil {
				return Minutes{}, err
			}
		}
		if d.Outcome != OutcomeAction && d.Action != nil {
			return Minutes{}, apperr.Invalid(field+".action", "unexpected_action", "only an action outcome carries an action")
		}
		if d.Outcome != OutcomeEscalate && strings.TrimSpace(d.Report) != "" {
			return Minutes{}, apperr.Invalid(field+".report", "unexpected_report", "only an escalate outcome carries a report")
		}
		out.Decisions = append(out.Decisions, dec)
	}
	for _, e := range m.Agenda {
		if !decided[e.ID] {
			return Minutes{}, apperr.Invalid("decisions", "undecided_entry", fmt.Sprintf("agenda entry %q (%s) has no decision", e.ID, e.Title))
		}
	}
	return out, nil
}

// validateAction checks an action item; its deadline must lie ahead of the
// minutes being recorded.
func validateAction(o *org.Org, field string, a *ActionDraft, now time.Time) (Action, error) {
	if a == nil {
		return Action{}, apperr.Invalid(field, "required", "an action outcome needs an action: department, description, due_at")
	}
	dept := strings.TrimSpace(a.Department)
	if _, ok := o.Department(dept); !ok {
		return Action{}, apperr.Invalid(field+".department", "unknown_department", fmt.Sprintf("no department %q", dept))
	}
	desc := strings.TrimSpace(a.Description)
	if err := requireText(field+".description", desc, 500); err != nil {
		return Action{}, err
	}
	due, err := parseTime(a.DueAt)
	if err != nil {
		e, _ := apperr.As(err)
		return Action{}, apperr.Invalid(field+".due_at", e.Code, strings.Replace(e.Message, "starts_at", "due_at", 1))
	}
	if !due.After(now) {
		return Action{}, apperr.Invalid(field+".due_at", "due_in_past", "due_at must lie ahead of the minutes being recorded")
	}
	return Action{Department: dept, Description: desc, DueAt: due}, nil
}

// outcomeNames are the outcomes as minutes read them.
var outcomeNames = map[string]string{OutcomeResolved: "已解决", OutcomeAction: "交办", OutcomeEscalate: "提级"}

// actionStateNames follow an action's due date in the exports (nothing while
// it is open).
var actionStateNames = map[string]string{ActionDone: "已报办结，待确认", ActionConfirmed: "已确认办结"}

// KindNames are the meeting kinds as people call them.
var KindNames = map[string]string{KindDispatch: "调度会", KindTeamReport: "专班工作汇报会", KindJoint: "联席会议", KindOnSite: "现场会"}

// MinutesHeaders head the decisions table of the minutes exports.
var MinutesHeaders = []string{"序号", "议题", "责任单位", "结论", "决定", "办结时限"}

// MinutesExport is what the minutes exports show, format aside.
type MinutesExport struct {
	Title string
	// Facts are label/value lines: kind, time, place, attendees, project.
	Facts []Fact
	// Summary is the minutes' summary; Decided is false before the minutes.
	Summary string
	Decided bool
	// Rows follow MinutesHeaders: one per agenda entry (before the minutes,
	// with the decision columns empty).
	Rows []MinutesRow
	// Reports are the special reports (专题报告) of escalations: title, text.
	Reports [][2]string
}

// Fact is one line of the minutes' head. At is set when the value is an
// instant (the meeting's time); Text is then its Beijing reading.
type Fact struct {
	Label, Text string
	At          time.Time
}

// MinutesRow is one agenda entry of the minutes table.
type MinutesRow struct {
	No                                   int
	Title, Department, Outcome, Decision string
	// Decided is whether the minutes decided the entry.
	Decided bool
	// Due is the day the action is due (an instant read in Beijing time),
	// zero without an action; State is how far it got (已报办结，待确认 or
	// 已确认办结), empty while it is open.
	Due   time.Time
	State string
}

// DueText is the 办结时限 cell as text: the day with the action's state, "—"
// for an entry decided without an action, empty before the decision.
func (r MinutesRow) DueText() string {
	switch {
	case !r.Due.IsZero() && r.State != "":
		return r.Due.In(workZone).Format(time.DateOnly) + "（" + r.State + "）"
	case !r.Due.IsZero():
		return r.Due.In(workZone).Format(time.DateOnly)
	case r.Decided:
		return "—"
	}
	return ""
}

// Cells returns the row as text, in the order of MinutesHeaders.
func (r MinutesRow) Cells() []string {
	return []string{strconv.Itoa(r.No), r.Title, r.Department, r.Outcome, r.Decision, r.DueText()}
}

// ExportOf lays meeting m out for the exports.
func ExportOf(m Meeting, deptName func(string) string) MinutesExport {
	names := make([]string, len(m.Attendees))
	for i, a := range m.Attendees {
		names[i] = deptName(a)
	}
	x := MinutesExport{Title: m.Title + "会议纪要", Facts: []Fact{
		{Label: "会议类型", Text: KindNames[m.Kind]},
		{Label: "时间", Text: m.StartsAt.In(workZone).Format("2006-01-02 15:04"), At: m.StartsAt},
		{Label: "地点", Text: m.Location}, {Label: "参会单位", Text: strings.Join(names, "、")},
	}}
	if m.ProjectCode != "" {
		x.Facts = append(x.Facts, Fact{Label: "项目代码", Text: m.ProjectCode})
	}
	decisions := map[string]Decision{}
	if m.Minutes != nil {
		x.Decided, x.Summary = true, m.Minutes.Summary
		for _, d := range m.Minutes.Decisions {
			decisions[d.AgendaEntryID] = d
		}
	}
	for i, e := range m.Agenda {
		d, ok := decisions[e.ID]
		r := MinutesRow{No: i + 1, Title: e.Title, Department: deptName(e.Department), Outcome: outcomeNames[d.Outcome],
			Decision: d.Text, Decided: ok}
		if d.Action != nil {
			r.Department, r.Due, r.State = deptName(d.Action.Department), d.Action.DueAt, actionStateNames[d.Action.State()]
			r.Decision += "：" + d.Action.Description
		}
		x.Rows = append(x.Rows, r)
		if d.Outcome == OutcomeEscalate {
			x.Reports = append(x.Reports, [2]string{e.Title, d.Report})
		}
	}
	return x
}

// MinutesMarkdown exports a meeting's agenda and minutes as Markdown.
func MinutesMarkdown(m Meeting, deptName func(string) string) string {
	x := ExportOf(m, deptName)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", x.Title)
	for _, f := range x.Facts {
		fmt.Fprintf(&b, "- %s：%s\n", f.Label, f.Text)
	}
	if !x.Decided {
		b.WriteString("\n> 会议尚未形成纪要。\n\n## 议题\n\n")
		for _, r := range x.Rows {
			fmt.Fprintf(&b, "%d. %s（%s）\n", r.No, mdEscape(r.Title), r.Department)
		}
		return b.String()
	}
	if x.Summary != "" {
		fmt.Fprintf(&b, "\n%s\n", x.Summary)
	}
	b.WriteString("\n## 议定事项\n\n| " + strings.Join(MinutesHeaders, " | ") + " |\n|---|---|---|---|---|---|\n")
	for _, r := range x.Rows {
		cells := r.Cells()
		for i, c := range cells {
			cells[i] = mdEscape(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	for _, r := range x.Reports {
		fmt.Fprintf(&b, "\n## 专题报告：%s\n\n%s\n", mdEscape(r[0]), r[1])
	}
	return b.String()
}

// mdEscape keeps a cell on one line and its pipes from splitting it.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ").Replace(s)
}
