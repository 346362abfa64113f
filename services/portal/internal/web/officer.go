package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// taskSteps are an officer task's steps (承接 → 办理 → 办结 → 回访): the
// action each status allows next, as the ledger's state machine takes them.
var taskSteps = map[string]string{"received": "take", "taken": "handle", "handling": "close", "closed": "visit"}

var taskStatusNames = map[string]string{"received": "待承接", "taken": "已承接", "handling": "办理中", "closed": "已办结", "visited": "已回访"}

var taskActionNames = map[string]string{"take": "承接", "handle": "办理", "close": "办结", "visit": "回访"}

type tasksData struct {
	Tasks []api.Task
}

// tasks are the officer's service requests (a supervisor's: everyone's),
// the open ones first as the ledger lists them.
func (s *Server) tasks(w http.ResponseWriter, r *http.Request, se session) error {
	if !has(se.User, "officer", "supervisor") {
		s.forbidden(w, r, "推进专员和督导")
		return nil
	}
	officer := ""
	if has(se.User, "officer") {
		officer = se.User.Subject
	}
	ts, err := s.work.Tasks(r.Context(), se.Token, officer)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "tasks", "我的任务", tasksData{Tasks: ts})
	return nil
}

type taskData struct {
	Task        api.Task
	Next        string
	Form        form
	Version     int64
	Done        string
	Notice      []noticeRow
	Project     api.Ledger
	Scores      []option
	OfficerName string
}

// task is one service request with its notice, history and the officer's
// next step.
func (s *Server) task(w http.ResponseWriter, r *http.Request, se session) error {
	d, err := s.taskData(r, se, newForm(nil, "note", "satisfaction", "comment"))
	if err != nil {
		return err
	}
	if a := r.URL.Query().Get("done"); a != "" {
		d.Done = "已" + taskActionNames[a] + "，诉求现为「" + taskStatusNames[d.Task.Status] + "」。"
	}
	s.render(w, r, http.StatusOK, "task", d.Task.Title, d)
	return nil
}

func (s *Server) taskData(r *http.Request, se session, f form) (taskData, error) {
	code, id := r.PathValue("code"), r.PathValue("id")
	l, err := s.api.Ledger(r.Context(), se.Token, code)
	if err != nil {
		return taskData{}, err
	}
	d := taskData{Form: f, Version: l.Version, Project: l, OfficerName: s.officerName(l.Officer)}
	found := false
	for _, t := range l.Tasks {
		if t.ID == id {
			d.Task, found = t, true
		}
	}
	if !found {
		return taskData{}, &api.Error{Service: api.ServiceLedger, Status: http.StatusNotFound, Code: "task_not_found"}
	}
	if has(se.User, "officer") {
		d.Next = taskSteps[d.Task.Status]
	}
	for _, n := range d.Task.Notice {
		d.Notice = append(d.Notice, noticeRow{NoticeLine: n, DepartmentName: s.departmentName(n.Department)})
	}
	d.Scores = []option{{Value: "", Label: "请选择"}, {Value: "5", Label: "5 分 · 非常满意"}, {Value: "4", Label: "4 分 · 满意"},
		{Value: "3", Label: "3 分 · 基本满意"}, {Value: "2", Label: "2 分 · 不满意"}, {Value: "1", Label: "1 分 · 非常不满意"}}
	return d, nil
}

// actOnTask takes the officer's next step; 回访 records the owner's
// satisfaction. A refusal shows the task as it is now, the reason next to
// its field.
func (s *Server) actOnTask(w http.ResponseWriter, r *http.Request, se session) error {
	f := newForm(r.PostForm, "note", "satisfaction", "comment")
	version, _ := strconv.ParseInt(f.Val("version"), 10, 64)
	a := api.TaskAction{Action: f.Val("action"), Actor: actorOf(se), Note: strings.TrimSpace(f.Val("note")),
		Comment: strings.TrimSpace(f.Val("comment")), Version: version}
	if a.Action == "visit" {
		n, err := strconv.Atoi(f.Val("satisfaction"))
		if err != nil || n < 1 || n > 5 {
			f.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "satisfaction", Message: fieldWords["invalid_satisfaction"]("")})
		}
		a.Satisfaction = n
	}
	if f.Problem == nil {
		err := s.work.ActOnTask(r.Context(), se.Token, r.PathValue("code"), r.PathValue("id"), a)
		if err == nil {
			http.Redirect(w, r, r.URL.Path[:strings.LastIndexByte(r.URL.Path, '/')]+"?done="+url.QueryEscape(a.Action), http.StatusSeeOther)
			return nil
		}
		if api.StatusOf(err) == http.StatusUnauthorized {
			return err
		}
		f.refuse(explainForm(err))
	}
	d, err := s.taskData(r, se, f)
	if err != nil {
		return err
	}
	s.render(w, r, f.Problem.Status, "task", d.Task.Title, d)
	return nil
}

func actorOf(se session) string {
	if se.User.Name != "" {
		return se.User.Name
	}
	return se.User.Subject
}

// export passes the ledger's XLSX 台账 (or another file of a service) on
// to the browser as a download.
func (s *Server) export(svc api.Service, path func(r *http.Request) string, query ...string) signedInHandler {
	return func(w http.ResponseWriter, r *http.Request, se session) error {
		q := url.Values{}
		for _, k := range query {
			if v := r.URL.Query().Get(k); v != "" {
				q.Set(k, v)
			}
		}
		d, err := s.work.Download(r.Context(), svc, se.Token, path(r), q)
		if err != nil {
			return err
		}
		defer d.Body.Close()
		h := w.Header()
		h.Set("Content-Type", d.ContentType)
		if d.ContentDisposition != "" {
			h.Set("Content-Disposition", d.ContentDisposition)
		} else {
			h.Set("Content-Disposition", "attachment; filename=\""+path(r)[strings.LastIndexByte(path(r), '/')+1:]+"\"")
		}
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		_, err = io.Copy(w, d.Body)
		if err != nil {
			s.log.WarnContext(r.Context(), "download cut short", "path", r.URL.Path, "err", err)
		}
		return nil
	}
}
