package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

var meetingKinds = map[string]string{"dispatch": "调度会", "team_report": "专班工作汇报会", "joint": "联席会议", "on_site": "现场会"}

var meetingStatuses = map[string]string{"scheduled": "待召开", "decided": "已形成纪要", "cancelled": "已取消"}

var outcomes = []option{{Value: "", Label: "请选择"}, {Value: "resolved", Label: "当场解决"}, {Value: "action", Label: "布置任务（限期办结）"},
	{Value: "escalate", Label: "提级（专题报告）"}}

type meetingsData struct {
	Meetings []api.Meeting
}

// meetings lists the coordination meetings, soonest first as the service
// lists them.
func (s *Server) meetings(w http.ResponseWriter, r *http.Request, se session) error {
	ms, err := s.lead.Meetings(r.Context(), se.Token, 100)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "meetings", "协调会议", meetingsData{Meetings: ms})
	return nil
}

type meetingData struct {
	Meeting   api.Meeting
	Attendees string
	Agenda    []agendaRow
	// CanMinute: the user is a secretary and the meeting awaits its minutes.
	CanMinute   bool
	Form        form
	Outcomes    []option
	Departments []option
	Done        bool
	// Actions are the meeting's action items; Changed says which change
	// was just made.
	Actions actionList
	Changed string
	// Changes are the moves, the cancellation and the agenda's forms;
	// StatusWords the status as the page says it (已改期).
	Changes     meetingChanges
	StatusWords string
}

type agendaRow struct {
	api.AgendaEntry
	N              int
	DepartmentName string
	Decision       *api.Decision
}

// meeting is one meeting: when and where, who attends, the agenda, the
// minutes, the invitation (.ics) and, for the secretary, the minutes form.
func (s *Server) meeting(w http.ResponseWriter, r *http.Request, se session) error {
	return s.meetingPage(w, r, se, http.StatusOK, newForm(nil), nil)
}

func (s *Server) meetingPage(w http.ResponseWriter, r *http.Request, se session, status int, f form, refused *refusedAction) error {
	return s.meetingPageWith(w, r, se, status, blankMeetingForms(f), refused)
}

func (s *Server) meetingPageWith(w http.ResponseWriter, r *http.Request, se session, status int, fs meetingForms, refused *refusedAction) error {
	f := fs.Minutes
	m, err := s.lead.Meeting(r.Context(), se.Token, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := meetingData{Meeting: m, Form: f, Outcomes: outcomes, Done: r.URL.Query().Has("done"),
		CanMinute: has(se.User, "secretary") && m.Status == "scheduled" && m.Minutes == nil}
	var names []string
	for _, a := range m.Attendees {
		names = append(names, s.departmentName(a))
	}
	d.Attendees = strings.Join(names, "、")
	d.Actions = actionList{Rows: s.actionsFor([]api.Meeting{m}, se.User, true), CSRF: s.csrf.token("session", se.Token),
		Back: "/meetings/" + url.PathEscape(m.ID)}
	if refused != nil {
		d.Actions.Rows = refuse(d.Actions.Rows, refused.id, refused.problem, r)
	}
	d.Changed = changedWords(r)
	d.Changes, d.StatusWords = s.changesOf(m, se.User, fs, r), meetingStatusWords(m)
	decided := map[string]*api.Decision{}
	if m.Minutes != nil {
		for i := range m.Minutes.Decisions {
			decided[m.Minutes.Decisions[i].AgendaEntryID] = &m.Minutes.Decisions[i]
		}
	}
	for i, e := range m.Agenda {
		d.Agenda = append(d.Agenda, agendaRow{AgendaEntry: e, N: i, DepartmentName: s.departmentName(e.Department), Decision: decided[e.ID]})
		f.Fields = append(f.Fields, decisionFields(i)...)
	}
	d.Form.Fields = f.Fields
	d.Departments = []option{{Value: "", Label: "请选择"}}
	if s.org != nil {
		for _, dep := range s.org.Departments {
			d.Departments = append(d.Departments, option{Value: dep.Code, Label: dep.Name})
		}
	}
	s.render(w, r, status, "meeting", m.Title, d)
	return nil
}

// decisionFields are the minutes form's inputs of agenda entry i, named by
// the API's field paths so that a refusal lands next to its input.
func decisionFields(i int) []string {
	p := "decisions[" + strconv.Itoa(i) + "]"
	return []string{p + ".outcome", p + ".text", p + ".action.department", p + ".action.description", p + ".action.due_at", p + ".report",
		p + ".action", p + ".agenda_entry_id"}
}

// recordMinutes records the secretary's minutes: one decision per agenda
// entry. A refusal shows the form as filled in, the reason next to its
// input; nothing is recorded.
func (s *Server) recordMinutes(w http.ResponseWriter, r *http.Request, se session) error {
	f := newForm(r.PostForm, "summary", "decisions")
	m, err := s.lead.Meeting(r.Context(), se.Token, r.PathValue("id"))
	if err != nil {
		return err
	}
	entry := api.MinutesEntry{Summary: strings.TrimSpace(f.Val("summary"))}
	for i, e := range m.Agenda {
		p := "decisions[" + strconv.Itoa(i) + "]"
		v := func(n string) string { return strings.TrimSpace(f.Val(p + n)) }
		dec := api.DecisionEntered{AgendaEntryID: e.ID, Outcome: v(".outcome"), Text: v(".text")}
		switch dec.Outcome {
		case "action":
			due, ok := localDateTime(v(".action.due_at"))
			if !ok && f.Problem == nil {
				f.refuse(problem{Status: http.StatusUnprocessableEntity, Field: p + ".action.due_at", Message: "请填写办结时限（日期和时间）。"})
			}
			dec.Action = &api.ActionGiven{Department: v(".action.department"), Description: v(".action.description"), DueAt: due}
		case "escalate":
			dec.Report = v(".report")
		}
		entry.Decisions = append(entry.Decisions, dec)
	}
	if f.Problem == nil {
		err := s.lead.RecordMinutes(r.Context(), se.Token, m.ID, entry)
		if err == nil {
			http.Redirect(w, r, "/meetings/"+url.PathEscape(m.ID)+"?done=1", http.StatusSeeOther)
			return nil
		}
		if api.StatusOf(err) == http.StatusUnauthorized {
			return err
		}
		f.refuse(explainForm(err))
		var e *api.Error
		if errors.As(err, &e) && e.Code == "meeting_not_started" {
			f.Problem.Message = "会议尚未开始，开始后才能登记纪要。"
		}
	}
	return s.meetingPage(w, r, se, f.Problem.Status, f, nil)
}
