package web

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

func TestExplainFormNamesTheField(t *testing.T) {
	for _, c := range []struct {
		err          *api.Error
		field, words string
	}{
		{&api.Error{Status: 422, Code: "invalid_code", Field: "code", Message: "the project code must look like 2024-370481-04-01-123456"},
			"code", "项目代码格式应为 2026-370481-04-01-123456（年份-区划-行业-类别-序号）。"},
		{&api.Error{Status: 422, Code: "required", Field: "title", Message: "title is required"}, "title", "请填写标题。"},
		{&api.Error{Status: 422, Code: "invalid_phone", Field: "owner_phone"}, "owner_phone",
			"请填写手机号（如 13800138000）或带区号的座机号（如 0535-7654321）。"},
		{&api.Error{Status: 409, Code: "project_exists", Message: "project x is already registered with other details"}, "code",
			"该项目代码已经登记过，且登记内容与本次填写的不同。请核对项目代码。"},
		{&api.Error{Status: 422, Code: "due_in_past", Field: "decisions[1].action.due_at"}, "decisions[1].action.due_at",
			"办结时限须晚于纪要登记的时间。"},
		{&api.Error{Status: 422, Code: "something_new", Field: "location"}, "location", "建设地点填写不符合要求，请检查后重新填写。"},
		{&api.Error{Status: 403, Code: "forbidden", Message: "an owner registers only projects of their own organisation"}, "",
			"您没有权限查看或办理此项内容。"},
	} {
		p := explainForm(c.err)
		if p.Field != c.field || p.Message != c.words || p.Status != c.err.Status {
			t.Errorf("%s on %q: got %+v, want field %q, %q", c.err.Code, c.err.Field, p, c.field, c.words)
		}
	}
}

func TestRowProblemsInWords(t *testing.T) {
	msg := "2 of 3 rows are invalid, nothing was imported: row 3, owner_phone: owner_phone must be a mobile number (13800138000) " +
		"or a landline with its area code (0535-7654321); row 4, code: project 2026-370481-04-01-700010 is also on row 2; " +
		"row 5, officer: officer must be one of the organisation's officers: wangfang (王芳)"
	want := []rowProblem{
		{Row: 3, Label: "联系电话", Message: "请填写手机号（如 13800138000）或带区号的座机号（如 0535-7654321）。"},
		{Row: 4, Label: "项目代码", Message: "与第 2 行的项目代码重复。"},
		{Row: 5, Label: "推进专员", Message: "组织机构中没有这位推进专员，请从列表中选择。"},
	}
	if got := rowProblems(msg); !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}
}

func TestFormShowsARefusalWhereItBelongs(t *testing.T) {
	f := newForm(url.Values{"title": {"用地"}}, "title", "department")
	f.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "department", Message: "请选择责任部门。"})
	if f.Err("department") != "请选择责任部门。" || f.Err("title") != "" || f.General() != "" {
		t.Errorf("a field's refusal: err %q / %q, general %q", f.Err("department"), f.Err("title"), f.General())
	}
	f.refuse(problem{Status: http.StatusConflict, Field: "version", Message: "刷新"})
	if f.General() != "刷新" || f.Err("title") != "" {
		t.Errorf("a refusal of no field of the form is not shown above it: %q", f.General())
	}
	if v := fieldOf(f, "title", "标题", "text"); v.Value != "用地" || v.ID != "f-title" || v.Message != "" {
		t.Errorf("field view: %+v", v)
	}
	if v := fieldOf(f, "decisions[0].action.due_at", "办结时限", "datetime-local"); v.ID != "f-decisions-0-action-due-at" {
		t.Errorf("field id of a path: %q", v.ID)
	}
}
