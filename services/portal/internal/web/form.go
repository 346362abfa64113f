package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// form is a form as the page shows it: what the user typed (kept when the
// service refuses it, so nothing has to be typed twice) and the refusal,
// next to the field it concerns or above the form.
type form struct {
	Values  url.Values
	Problem *problem
	// Fields are the names of the form's inputs; a refusal about any other
	// field is shown above the form.
	Fields []string
}

func newForm(values url.Values, fields ...string) form {
	if values == nil {
		values = url.Values{}
	}
	return form{Values: values, Fields: fields}
}

// Val is the value of field name.
func (f form) Val(name string) string { return f.Values.Get(name) }

// Err is the refusal's message when it concerns field name.
func (f form) Err(name string) string {
	if f.Problem != nil && f.Problem.Field == name {
		return f.Problem.Message
	}
	return ""
}

// General is the refusal's message when no field of the form shows it.
func (f form) General() string {
	if f.Problem == nil {
		return ""
	}
	for _, n := range f.Fields {
		if n == f.Problem.Field {
			return ""
		}
	}
	return f.Problem.Message
}

// Blank is the same form empty: another instance of it on the page.
func (f form) Blank() form { return form{Values: url.Values{}, Fields: f.Fields} }

// refuse records p on the form.
func (f *form) refuse(p problem) { f.Problem = &p }

// fieldView is one input of a form, for the shared field templates.
type fieldView struct {
	Form               form
	Name, Label, Type  string
	Hint, Placeholder  string
	Options            []option
	Required, Checked  bool
	ID, Value, Message string
}

// fieldOf is the template function making a fieldView: the form, the
// field's name, label and type (text, tel, number, date, datetime-local,
// textarea, select, checkbox, file), then optional key=value settings
// (hint=…, placeholder=…, required=1).
func fieldOf(f form, name, label, typ string, opts ...any) fieldView {
	v := fieldView{Form: f, Name: name, Label: label, Type: typ, Value: f.Val(name), Message: f.Err(name),
		ID: "f-" + strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-").Replace(name)}
	for _, o := range opts {
		switch o := o.(type) {
		case []option:
			for _, opt := range o {
				opt.Selected = opt.Value == v.Value
				v.Options = append(v.Options, opt)
			}
		case string:
			k, val, _ := strings.Cut(o, "=")
			switch k {
			case "hint":
				v.Hint = val
			case "placeholder":
				v.Placeholder = val
			case "required":
				v.Required = true
			}
		}
	}
	v.Checked = v.Value != "" && v.Value != "false"
	return v
}

// fieldLabels are the API's field names in the words of the forms.
var fieldLabels = map[string]string{
	"code": "项目代码", "project_code": "项目代码", "name": "项目名称", "category": "项目类别", "level": "项目级别",
	"owner_organisation": "建设单位", "owner_contact": "联系人", "owner_phone": "联系电话", "location": "建设地点",
	"investment_wan": "总投资（万元）", "stage": "项目阶段", "officer": "推进专员", "work_group": "专班",
	"kind": "诉求类型", "title": "标题", "description": "详细说明", "contact": "联系人", "phone": "联系电话",
	"file": "文件", "satisfaction": "满意度", "comment": "评价", "note": "说明", "measure": "解决举措",
	"department": "责任部门", "escalation": "督办层级", "status": "状态", "summary": "会议概要",
	"outcome": "议定结果", "text": "议定内容", "due_at": "办结时限", "report": "专题报告", "item_id": "相关事项",
	"agenda_entry_id": "议题",
}

// labelOf is the words for API field path (decisions[0].action.due_at:
// its last part).
func labelOf(field string) string {
	last := field[strings.LastIndexByte(field, '.')+1:]
	if l, ok := fieldLabels[last]; ok {
		return l
	}
	return "该项"
}

// fieldWords are the API's error codes about a field, in words.
var fieldWords = map[string]func(label string) string{
	"required": func(l string) string { return "请填写" + l + "。" },
	"invalid_code": func(string) string {
		return "项目代码格式应为 2026-370481-04-01-123456（年份-区划-行业-类别-序号）。"
	},
	"invalid_phone": func(string) string {
		return "请填写手机号（如 13800138000）或带区号的座机号（如 0535-7654321）。"
	},
	"too_long":           func(l string) string { return l + "过长，请精简后再提交。" },
	"invalid_category":   func(l string) string { return "请从列表中选择" + l + "。" },
	"invalid_level":      func(l string) string { return "请从列表中选择" + l + "。" },
	"invalid_stage":      func(l string) string { return "请从列表中选择" + l + "。" },
	"invalid_kind":       func(l string) string { return "请从列表中选择" + l + "。" },
	"invalid_outcome":    func(l string) string { return "请选择" + l + "。" },
	"invalid_escalation": func(l string) string { return "请从列表中选择" + l + "。" },
	"invalid_title":      func(l string) string { return "请填写" + l + "（不超过100字）。" },
	"invalid_investment": func(string) string { return "总投资须为不小于 0 的金额（万元）。" },
	"unknown_officer":    func(string) string { return "组织机构中没有这位推进专员，请从列表中选择。" },
	"unknown_work_group": func(string) string { return "没有这个专班，请从列表中选择。" },
	"unknown_department": func(string) string { return "没有这个部门，请从列表中选择。" },
	"unknown_project":    func(string) string { return "没有登记这个项目代码，请核对后重新填写。" },
	"invalid_satisfaction": func(string) string {
		return "请选择满意度（1 至 5 分）。"
	},
	"empty":         func(string) string { return "文件中没有项目行，请检查是否选错了文件。" },
	"too_many_rows": func(string) string { return "文件行数过多，请分批导入。" },
	"invalid_time":  func(l string) string { return l + "不是有效的日期时间。" },
	"due_in_past":   func(l string) string { return l + "须晚于纪要登记的时间。" },
	"unknown_entry": func(string) string { return "会议议程中没有这个议题，请刷新后重新填写。" },
	"project_exists": func(string) string {
		return "该项目代码已经登记过，且登记内容与本次填写的不同。请核对项目代码。"
	},
}

// explainForm is err in words for a form: a refusal about a field the
// service named is told by the field's label and the rule broken; anything
// else as explain tells it.
func explainForm(err error) problem {
	p := explain(err, "")
	var e *api.Error
	if !errors.As(err, &e) {
		return p
	}
	if e.Code == "project_exists" {
		e.Field, p.Field = "code", "code" // a conflict names no field, but it is the code's
	}
	if e.Field == "" {
		return p
	}
	if words, ok := fieldWords[e.Code]; ok {
		p.Message = words(labelOf(e.Field))
	} else if e.Status == http.StatusUnprocessableEntity {
		p.Message = labelOf(e.Field) + "填写不符合要求，请检查后重新填写。"
	}
	return p
}
