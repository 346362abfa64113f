package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// actionStatuses are the action items' statuses in words.
var actionStatuses = map[string]string{"open": "办理中", "done": "已报告办结，待确认", "confirmed": "已确认办结"}

// actionChanges are the changes the pages offer, in words.
var actionChanges = map[string]string{"done": "报告办结", "confirm": "确认办结", "reopen": "退回重办"}

// actionRow is an action item of a meeting as the lists show it, with the
// changes the user may make and, after a refusal, why.
type actionRow struct {
	api.MeetingAction
	MeetingID      string
	MeetingTitle   string
	MeetingVersion int
	DepartmentName string
	Overdue        bool
	CanDone        bool
	CanConfirm     bool
	CanReopen      bool
	Problem        *problem
	Note           string
}

// actionList is what the shared list template shows: the rows, the forms'
// CSRF token and the page they come back to.
type actionList struct {
	Rows []actionRow
	CSRF string
	Back string
}

// actionsFor are the action items of ms that u is shown (a department's
// clerk and leader their department's unless every one, the secretary and
// supervisors all), open ones first, each group earliest due first.
func (s *Server) actionsFor(ms []api.Meeting, u api.User, every bool) []actionRow {
	all := has(u, "secretary", "supervisor")
	every = every || all
	dept := ""
	if has(u, "clerk", "leader") {
		dept = u.Department
	}
	now := s.now()
	var rows []actionRow
	for _, m := range ms {
		if m.Minutes == nil {
			continue
		}
		for _, d := range m.Minutes.Decisions {
			a := d.Action
			if a == nil || (!every && (dept == "" || a.Department != dept)) {
				continue
			}
			st := a.State()
			rows = append(rows, actionRow{MeetingAction: *a, MeetingID: m.ID, MeetingTitle: m.Title, MeetingVersion: m.Version,
				DepartmentName: s.departmentName(a.Department), Overdue: st == "open" && now.After(a.DueAt),
				CanDone:    st == "open" && dept != "" && a.Department == dept,
				CanConfirm: st == "done" && all,
				CanReopen:  (st == "done" || st == "confirmed") && all})
		}
	}
	order := map[string]int{"open": 0, "done": 1, "confirmed": 2}
	slices.SortStableFunc(rows, func(a, b actionRow) int {
		return cmp.Or(cmp.Compare(order[a.State()], order[b.State()]), a.DueAt.Compare(b.DueAt))
	})
	return rows
}

type actionsData struct {
	List    actionList
	Scope   string
	Changed string
}

// actions lists the coordination meetings' action items (会议任务) with
// the changes the user may make.
func (s *Server) actions(w http.ResponseWriter, r *http.Request, se session) error {
	return s.actionsPage(w, r, se, http.StatusOK, "", nil)
}

func (s *Server) actionsPage(w http.ResponseWriter, r *http.Request, se session, status int, refused string, p *problem) error {
	u := se.User
	if !has(u, "secretary", "supervisor") && (!has(u, "clerk", "leader") || u.Department == "") {
		s.errorPage(w, r, problem{Status: http.StatusForbidden, Message: "此页面供部门经办人和负责人、会议秘书和督导使用。"})
		return nil
	}
	ms, err := s.lead.Meetings(r.Context(), se.Token, maxMeetingsRead)
	if err != nil {
		return err
	}
	d := actionsData{Scope: "全部部门", Changed: changedWords(r)}
	if !has(u, "secretary", "supervisor") {
		d.Scope = s.departmentName(u.Department)
	}
	d.List = actionList{Rows: refuse(s.actionsFor(ms, u, false), refused, p, r), CSRF: s.csrf.token("session", se.Token), Back: "/actions"}
	s.render(w, r, status, "actions", "会议任务", d)
	return nil
}

// maxMeetingsRead is how many of the newest meetings the action list
// reads: the meeting service lists at most 200 at a time.
const maxMeetingsRead = 200

// refuse marks the row of action id with refusal p and the note typed.
func refuse(rows []actionRow, id string, p *problem, r *http.Request) []actionRow {
	for i := range rows {
		if rows[i].ID == id && p != nil {
			rows[i].Problem, rows[i].Note = p, strings.TrimSpace(r.PostFormValue("note"))
		}
	}
	return rows
}

func changedWords(r *http.Request) string {
	if c, ok := actionChanges[r.URL.Query().Get("changed")]; ok {
		return "已" + c + "。"
	}
	return ""
}

// changeAction posts a change of an action item to the meeting service
// with the meeting's version the page was made from. Success goes back to
// the page the form was on; a refusal shows that page again with the
// reason next to the action's form and nothing changed.
func (s *Server) changeAction(w http.ResponseWriter, r *http.Request, se session) error {
	id, action, change := r.PathValue("id"), r.PathValue("action"), r.PathValue("change")
	if _, ok := actionChanges[change]; !ok {
		s.errorPage(w, r, problem{Status: http.StatusNotFound, Message: "没有这个页面。"})
		return nil
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := s.lead.ChangeAction(r.Context(), se.Token, id, action, api.ActionChange{Change: change,
		Note: strings.TrimSpace(r.PostFormValue("note")), Version: version})
	back := localPath(r.PostFormValue("back"))
	if back != "/meetings/"+url.PathEscape(id) {
		back = "/actions"
	}
	if err == nil {
		http.Redirect(w, r, back+"?changed="+change+"#action-"+action, http.StatusSeeOther)
		return nil
	}
	if api.StatusOf(err) == http.StatusUnauthorized {
		return err
	}
	p := explainChange(err, change)
	if p.Status >= 500 || p.Status == 0 {
		s.log.ErrorContext(r.Context(), "action change failed", "meeting", id, "action", action, "change", change, "err", err)
	}
	if back == "/actions" {
		return s.actionsPage(w, r, se, p.Status, action, &p)
	}
	return s.meetingPage(w, r, se, p.Status, newForm(nil), &refusedAction{id: action, problem: &p})
}

// refusedAction is an action item's change the meeting service refused.
type refusedAction struct {
	id      string
	problem *problem
}

// explainChange is the meeting service's refusal of change in words.
func explainChange(err error, change string) problem {
	p := explain(err, change)
	var e *api.Error
	if !errors.As(err, &e) {
		return p
	}
	switch e.Code {
	case "note_required":
		p.Message, p.Field = "「"+actionChanges[change]+"」须写明原因（还缺什么、哪里不符合要求）。", "note"
	case "version_mismatch":
		p.Message = "该会议刚被他人更新过，页面已显示最新状态，请核对后重新操作。"
	case "illegal_transition":
		p.Message = "该任务的状态已经改变，不能「" + actionChanges[change] + "」。页面已显示最新状态。"
	case "action_not_found":
		p.Message = "没有找到该任务。"
	case "forbidden":
		p.Message = "只有任务责任部门的经办人、负责人可以报告办结；确认和退回由会议秘书或督导进行。"
	}
	return p
}
