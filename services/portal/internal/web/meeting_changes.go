package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// The forms of a meeting's page besides the minutes: move (改期), cancel
// (取消) and the agenda (add an entry, remove one), for the secretary and
// supervisors while the meeting awaits its minutes. Each posts the
// meeting's version the page was made from, so a change made meanwhile by
// someone else is refused (version_mismatch), not overwritten.

// meetingForms are the forms of a meeting's page, each with what was typed
// and, after a refusal, why.
type meetingForms struct {
	Minutes, Move, Cancel, Agenda form
}

func blankMeetingForms(minutes form) meetingForms {
	return meetingForms{Minutes: minutes, Move: newForm(nil, moveFields...), Cancel: newForm(nil, cancelFields...),
		Agenda: newForm(nil, agendaFields...)}
}

var (
	moveFields   = []string{"starts_at", "location", "reason"}
	cancelFields = []string{"cancel_reason"}
	agendaFields = []string{"agenda_title", "agenda_department", "agenda_project_code", "agenda_text"}
)

// meetingChanges is what the page shows of the changes: the forms the user
// may use, the meeting's history and what was just done.
type meetingChanges struct {
	// CanChange: a secretary or supervisor, the meeting awaits its minutes.
	CanChange bool
	// CanEditAgenda: CanChange, and the meeting has not started.
	CanEditAgenda bool
	// ShowMove … ShowAgenda: the form is offered, or was refused and shows
	// why next to what was typed.
	ShowMove, ShowCancel, ShowAgenda bool
	Move, Cancel, Agenda             form
	History                          []historyRow
	Updated                          string
}

type historyRow struct {
	api.MeetingChange
	Words string
}

var meetingUpdates = map[string]string{"moved": "会议已改期，参会部门将收到新的会议邀请。", "cancelled": "会议已取消，参会部门将收到取消通知。",
	"agenda_added": "议题已加入议程。", "agenda_removed": "议题已移出议程。"}

var historyWords = map[string]string{"moved": "改期", "cancelled": "取消会议"}

// meetingStatusWords is the meeting's status as its page says it: a moved
// meeting still to be held is 已改期.
func meetingStatusWords(m api.Meeting) string {
	if m.Status == "scheduled" && len(m.History) > 0 && m.History[len(m.History)-1].Change == "moved" {
		return "已改期 · 待召开"
	}
	return meetingStatuses[m.Status]
}

// changesOf is what m's page shows of its changes to u with forms fs.
func (s *Server) changesOf(m api.Meeting, u api.User, fs meetingForms, r *http.Request) meetingChanges {
	c := meetingChanges{CanChange: has(u, "secretary", "supervisor") && m.Status == "scheduled" && m.Minutes == nil,
		Move: fs.Move, Cancel: fs.Cancel, Agenda: fs.Agenda, Updated: meetingUpdates[r.URL.Query().Get("updated")]}
	c.CanEditAgenda = c.CanChange && s.now().Before(m.StartsAt)
	c.ShowMove, c.ShowCancel = c.CanChange || c.Move.Problem != nil, c.CanChange || c.Cancel.Problem != nil
	c.ShowAgenda = c.CanEditAgenda || (c.Agenda.Problem != nil && c.Agenda.General() == "")
	if c.Move.Problem == nil {
		c.Move.Values.Set("starts_at", m.StartsAt.In(beijing).Format("2006-01-02T15:04"))
		c.Move.Values.Set("location", m.Location)
	}
	for _, h := range m.History {
		c.History = append(c.History, historyRow{MeetingChange: h, Words: historyWords[h.Change]})
	}
	return c
}

// moveMeeting moves the meeting to the form's start and place with its
// reason. The portal refuses itself only a start that is no date and time;
// the meeting service the rest (a start not ahead, nothing changed, no
// reason, a decided or cancelled meeting, a stale version).
func (s *Server) moveMeeting(w http.ResponseWriter, r *http.Request, se session) error {
	id := r.PathValue("id")
	fs := blankMeetingForms(newForm(nil))
	fs.Move = newForm(r.PostForm, moveFields...)
	start, ok := localDateTime(strings.TrimSpace(fs.Move.Val("starts_at")))
	if !ok {
		fs.Move.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "starts_at", Message: "请填写新的开始时间（日期和时间）。"})
		return s.meetingPageWith(w, r, se, http.StatusUnprocessableEntity, fs, nil)
	}
	_, err := s.lead.MoveMeeting(r.Context(), se.Token, id, api.MeetingMove{StartsAt: start.Format(time.RFC3339),
		Location: strings.TrimSpace(fs.Move.Val("location")), Reason: strings.TrimSpace(fs.Move.Val("reason")), Version: meetingVersion(r)})
	return s.afterMeetingChange(w, r, se, err, "moved", &fs, &fs.Move, map[string]string{"starts_at": "starts_at", "location": "location", "reason": "reason"}, "reason")
}

// cancelMeeting cancels the meeting with the form's reason.
func (s *Server) cancelMeeting(w http.ResponseWriter, r *http.Request, se session) error {
	fs := blankMeetingForms(newForm(nil))
	fs.Cancel = newForm(r.PostForm, cancelFields...)
	_, err := s.lead.CancelMeeting(r.Context(), se.Token, r.PathValue("id"), api.MeetingCancel{
		Reason: strings.TrimSpace(fs.Cancel.Val("cancel_reason")), Version: meetingVersion(r)})
	return s.afterMeetingChange(w, r, se, err, "cancelled", &fs, &fs.Cancel, map[string]string{"reason": "cancel_reason"}, "cancel_reason")
}

// addAgendaEntry adds the form's entry at the end of the agenda, which the
// meeting service takes whole: the entries as read, then the new one.
func (s *Server) addAgendaEntry(w http.ResponseWriter, r *http.Request, se session) error {
	m, err := s.lead.Meeting(r.Context(), se.Token, r.PathValue("id"))
	if err != nil {
		return err
	}
	fs := blankMeetingForms(newForm(nil))
	fs.Agenda = newForm(r.PostForm, agendaFields...)
	v := func(n string) string { return strings.TrimSpace(fs.Agenda.Val(n)) }
	entries := append(keptEntries(m.Agenda, ""), api.AgendaDraft{Title: v("agenda_title"), Department: v("agenda_department"),
		ProjectCode: v("agenda_project_code"), Text: v("agenda_text")})
	_, err = s.lead.EditAgenda(r.Context(), se.Token, m.ID, api.AgendaEdit{Version: meetingVersion(r), Entries: entries})
	n := "entries[" + strconv.Itoa(len(entries)-1) + "]"
	return s.afterMeetingChange(w, r, se, err, "agenda_added", &fs, &fs.Agenda, map[string]string{n + ".title": "agenda_title",
		n + ".department": "agenda_department", n + ".project_code": "agenda_project_code", n + ".text": "agenda_text"}, "agenda_title")
}

// removeAgendaEntry takes one entry off the agenda (a candidate it came
// from waits for the next meeting again, as the meeting service does).
func (s *Server) removeAgendaEntry(w http.ResponseWriter, r *http.Request, se session) error {
	m, err := s.lead.Meeting(r.Context(), se.Token, r.PathValue("id"))
	if err != nil {
		return err
	}
	fs := blankMeetingForms(newForm(nil))
	entry := r.PathValue("entry")
	kept := keptEntries(m.Agenda, entry)
	if len(kept) == len(m.Agenda) {
		fs.Agenda.refuse(problem{Status: http.StatusConflict, Message: "该议题已不在议程中，页面已显示最新议程。"})
		return s.meetingPageWith(w, r, se, http.StatusConflict, fs, nil)
	}
	_, err = s.lead.EditAgenda(r.Context(), se.Token, m.ID, api.AgendaEdit{Version: meetingVersion(r), Entries: kept})
	return s.afterMeetingChange(w, r, se, err, "agenda_removed", &fs, &fs.Agenda, nil, "")
}

// keptEntries are agenda's entries as the agenda edit names them, without
// entry drop.
func keptEntries(agenda []api.AgendaEntry, drop string) []api.AgendaDraft {
	out := []api.AgendaDraft{}
	for _, e := range agenda {
		if e.ID != drop {
			out = append(out, api.AgendaDraft{ID: e.ID, Title: e.Title, Text: e.Text})
		}
	}
	return out
}

func meetingVersion(r *http.Request) int {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return v
}

// afterMeetingChange redirects to the meeting's page after a change made,
// and shows the page again with the refusal on form f otherwise: next to
// the input fields maps the service's field to, next to main when the
// refusal names no field of the form (a conflict), above the form when
// main is empty.
func (s *Server) afterMeetingChange(w http.ResponseWriter, r *http.Request, se session, err error, done string,
	fs *meetingForms, f *form, fields map[string]string, main string) error {
	id := r.PathValue("id")
	if err == nil {
		http.Redirect(w, r, "/meetings/"+url.PathEscape(id)+"?updated="+done, http.StatusSeeOther)
		return nil
	}
	if api.StatusOf(err) == http.StatusUnauthorized || api.StatusOf(err) == http.StatusNotFound {
		return err
	}
	p := explainMeetingChange(err, done)
	if p.Status >= 500 || p.Status == 0 {
		s.log.ErrorContext(r.Context(), "meeting change failed", "meeting", id, "change", done, "err", err)
	}
	if in, ok := fields[p.Field]; ok {
		p.Field = in
	} else {
		p.Field = main
	}
	f.refuse(p)
	return s.meetingPageWith(w, r, se, p.Status, *fs, nil)
}

// explainMeetingChange is the meeting service's refusal of a move, a
// cancellation or an agenda edit in words.
func explainMeetingChange(err error, change string) problem {
	p := explain(err, "")
	var e *api.Error
	if !errors.As(err, &e) {
		return p
	}
	last := e.Field[strings.LastIndexByte(e.Field, '.')+1:]
	switch {
	case e.Code == "meeting_decided":
		p.Message = "会议已召开并登记了纪要，不能再改期、取消或修改议程。页面已显示最新情况。"
	case e.Code == "meeting_cancelled":
		p.Message = "会议已取消，不能再改期、取消或修改议程。页面已显示最新情况。"
	case e.Code == "meeting_started":
		p.Message = "会议已经开始，议程不能再修改；如需调整，请先改期。"
	case e.Code == "version_mismatch":
		p.Message = "该会议刚被他人更新过，页面已显示最新情况，请核对后重新提交。"
	case e.Code == "forbidden":
		p.Message = "只有会议秘书和督导可以改期、取消会议或修改议程。"
	case e.Code == "starts_in_past":
		p.Message = "新的开始时间须晚于现在。"
	case e.Code == "unchanged":
		p.Message = "会议已定在这个时间和地点，请填写新的时间或地点。"
	case e.Code == "invalid_time":
		p.Message = "请填写有效的开始时间。"
	case e.Code == "unknown_department":
		p.Message = "请选择议题的责任部门。"
	case e.Code == "invalid_code":
		p.Message = fieldWords["invalid_code"]("")
	case e.Code == "too_long":
		p.Message = map[string]string{"reason": "原因", "title": "议题", "text": "说明", "location": "地点"}[last] + "过长，请精简后再提交。"
	case e.Code == "required" && last == "reason":
		p.Message = map[string]string{"moved": "请填写改期原因。", "cancelled": "请填写取消原因。"}[change]
	case e.Code == "required" && last == "title":
		p.Message = "请填写议题。"
	case e.Code == "required" && last == "location":
		p.Message = "请填写会议地点。"
	case e.Code == "required":
		p.Message = "请填写必填项。"
	}
	return p
}
