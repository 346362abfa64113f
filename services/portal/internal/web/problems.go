package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// escalations are the problem ledger's levels (督办层级).
var escalations = []option{{Value: "none", Label: "未提级"}, {Value: "urge", Label: "催办"}, {Value: "supervise", Label: "督办"},
	{Value: "interview", Label: "约谈"}, {Value: "escalate", Label: "提级"}}

var problemStatuses = []option{{Value: "", Label: "不变"}, {Value: "open", Label: "待解决"}, {Value: "in_progress", Label: "推进中"},
	{Value: "resolved", Label: "已解决"}}

func optionLabel(opts []option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// projectForms are the project page's forms, each kept as filled in when
// the ledger refused it.
type projectForms struct {
	Raise, Reassign form
	// Update is the measure form of problem UpdateID.
	Update   form
	UpdateID string
}

func emptyProjectForms() projectForms {
	return projectForms{Raise: newForm(url.Values{"escalation": {"none"}}, "title", "description", "department", "item_id", "escalation"),
		Reassign: newForm(nil, "officer", "note"), Update: newForm(nil, "measure", "status", "escalation")}
}

// raiseProblem puts a problem on the project's problem ledger (问题台账).
func (s *Server) raiseProblem(w http.ResponseWriter, r *http.Request, se session) error {
	fs := emptyProjectForms()
	fs.Raise.Values = r.PostForm
	v := func(n string) string { return strings.TrimSpace(fs.Raise.Val(n)) }
	p := api.NewProblem{Title: v("title"), Description: v("description"), Department: v("department"), ItemID: v("item_id"),
		Escalation: v("escalation"), Actor: actorOf(se), Version: formVersion(r)}
	if p.Title == "" {
		fs.Raise.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "title", Message: "请填写问题标题。"})
	} else if p.Department == "" {
		fs.Raise.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "department", Message: "请选择责任部门。"})
	}
	return s.afterWrite(w, r, se, &fs.Raise, fs, "problem", func() error {
		return s.work.RaiseProblem(r.Context(), se.Token, r.PathValue("code"), p)
	})
}

// updateProblem records a measure (解决举措), a status or an escalation.
func (s *Server) updateProblem(w http.ResponseWriter, r *http.Request, se session) error {
	id := r.PathValue("id")
	code, ok := projectOf(id)
	if !ok {
		return &api.Error{Service: api.ServiceLedger, Status: http.StatusNotFound, Code: "problem_not_found"}
	}
	r.SetPathValue("code", code)
	fs := emptyProjectForms()
	fs.Update.Values, fs.UpdateID = r.PostForm, id
	v := func(n string) string { return strings.TrimSpace(fs.Update.Val(n)) }
	u := api.ProblemUpdate{Measure: v("measure"), Status: v("status"), Escalation: v("escalation"), Actor: actorOf(se), Version: formVersion(r)}
	if u.Measure == "" && u.Status == "" && u.Escalation == "" {
		fs.Update.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "measure", Message: "请填写解决举措，或选择新的状态或督办层级。"})
	}
	return s.afterWrite(w, r, se, &fs.Update, fs, "measure", func() error {
		return s.work.UpdateProblem(r.Context(), se.Token, id, u)
	})
}

// reassign gives the project to another officer (supervisors).
func (s *Server) reassign(w http.ResponseWriter, r *http.Request, se session) error {
	fs := emptyProjectForms()
	fs.Reassign.Values = r.PostForm
	o := api.OfficerChange{Officer: strings.TrimSpace(fs.Reassign.Val("officer")), Note: strings.TrimSpace(fs.Reassign.Val("note")),
		Actor: actorOf(se), Version: formVersion(r)}
	if o.Officer == "" {
		fs.Reassign.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "officer", Message: "请选择推进专员。"})
	}
	return s.afterWrite(w, r, se, &fs.Reassign, fs, "officer", func() error {
		return s.work.AssignOfficer(r.Context(), se.Token, r.PathValue("code"), o)
	})
}

// afterWrite runs write unless f is refused already; success goes back to
// the project page (a reload repeats nothing), a refusal shows the page as
// the project is now with the form as filled in.
func (s *Server) afterWrite(w http.ResponseWriter, r *http.Request, se session, f *form, fs projectForms, done string, write func() error) error {
	if f.Problem == nil {
		err := write()
		if err == nil {
			http.Redirect(w, r, "/projects/"+url.PathEscape(r.PathValue("code"))+"?done="+done+"#"+done+"s", http.StatusSeeOther)
			return nil
		}
		if api.StatusOf(err) == http.StatusUnauthorized {
			return err
		}
		f.refuse(explainForm(err))
		if api.StatusOf(err) == http.StatusConflict && f.Problem.Field == "" {
			f.Problem.Message = "该项目刚被他人更新过，页面已显示最新情况，请核对后重新提交。"
		}
	}
	return s.projectPage(w, r, se, f.Problem.Status, fs)
}

func formVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}
