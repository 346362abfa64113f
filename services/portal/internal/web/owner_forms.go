package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// The choices of the registration form, as intake takes them.
var (
	categories   = []string{"社会投资", "城市建设", "工业四改", "政府投资", "招商引资"}
	levels       = []string{"国家", "省", "市", "县"}
	stageOrder   = []string{"planning", "reserve", "approving", "started", "completed"}
	requestKinds = []option{{Value: "consultation", Label: "政策咨询"}, {Value: "agency", Label: "帮办代办"},
		{Value: "problem", Label: "问题反映"}, {Value: "coordination", Label: "协调事项"}, {Value: "other", Label: "其他"}}
)

var registerFields = []string{"code", "name", "category", "level", "owner_organisation", "owner_contact", "owner_phone",
	"location", "investment_wan", "stage", "officer", "work_group", "green_channel"}

type registerData struct {
	Form                                         form
	Categories, Levels, Stages, Officers, Groups []option
}

func words(vs []string) []option {
	out := []option{{Value: "", Label: "请选择"}}
	for _, v := range vs {
		out = append(out, option{Value: v, Label: v})
	}
	return out
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request, status int, f form) {
	d := registerData{Form: f, Categories: words(categories), Levels: words(levels)}
	for _, st := range stageOrder {
		d.Stages = append(d.Stages, option{Value: st, Label: stageName(st)})
	}
	d.Officers, d.Groups = []option{{Value: "", Label: "由服务中心指派"}}, []option{{Value: "", Label: "由服务中心指派"}}
	if s.org != nil {
		for _, o := range s.org.Officers {
			d.Officers = append(d.Officers, option{Value: o.Code, Label: o.Name})
		}
		for _, g := range s.org.WorkGroups {
			d.Groups = append(d.Groups, option{Value: g.Code, Label: g.Name})
		}
	}
	s.render(w, r, status, "register", "登记重点项目", d)
}

// forbidden answers a page the user's role does not open.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, who string) {
	s.errorPage(w, r, problem{Status: http.StatusForbidden, Message: "此页面供" + who + "使用。"})
}

// registerForm is the form of a key project's registration; an owner's
// organisation is filled in.
func (s *Server) registerForm(w http.ResponseWriter, r *http.Request, se session) error {
	if !has(se.User, "owner", "officer", "supervisor") {
		s.forbidden(w, r, "企业、推进专员和督导")
		return nil
	}
	s.registerPage(w, r, http.StatusOK, newForm(url.Values{"owner_organisation": {se.User.Owner},
		"stage": {"approving"}}, registerFields...))
	return nil
}

// register sends the registration to intake. A refusal shows the form as
// it was filled in, the reason next to its field; nothing is registered.
func (s *Server) register(w http.ResponseWriter, r *http.Request, se session) error {
	f := newForm(r.PostForm, registerFields...)
	v := func(n string) string { return strings.TrimSpace(f.Val(n)) }
	reg := api.Registration{Code: v("code"), Name: v("name"), Category: v("category"), Level: v("level"),
		OwnerOrganisation: v("owner_organisation"), OwnerContact: v("owner_contact"), OwnerPhone: v("owner_phone"),
		Location: v("location"), Stage: v("stage"), Officer: v("officer"), WorkGroup: v("work_group"),
		GreenChannel: v("green_channel") != ""}
	inv, err := strconv.ParseFloat(v("investment_wan"), 64)
	switch {
	case v("investment_wan") == "":
		f.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "investment_wan", Message: "请填写总投资（万元）。"})
	case err != nil:
		f.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "investment_wan", Message: "总投资须为数字（万元），如 120000。"})
	default:
		reg.InvestmentWan = inv
		if _, err := s.forms.RegisterProject(r.Context(), se.Token, reg); err != nil {
			if api.StatusOf(err) == http.StatusUnauthorized {
				return err
			}
			f.refuse(explainForm(err))
		}
	}
	if f.Problem != nil {
		s.registerPage(w, r, f.Problem.Status, f)
		return nil
	}
	http.Redirect(w, r, "/projects?registered="+url.QueryEscape(reg.Code), http.StatusSeeOther)
	return nil
}

// maxUpload bounds an uploaded project list (intake takes at most 1,000 rows).
const maxUpload = 8 << 20

type importData struct {
	Form     form
	FileName string
	Result   *api.ImportResult
	Rows     []rowProblem
}

type rowProblem struct {
	Row            int
	Label, Message string
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request, se session) error {
	if !has(se.User, "officer", "supervisor") {
		s.forbidden(w, r, "推进专员和督导")
		return nil
	}
	s.render(w, r, http.StatusOK, "import", "导入年度重点项目清单", importData{Form: newForm(nil, "file")})
	return nil
}

// importList sends an uploaded CSV or XLSX list to intake and reports
// per row: registered, registered before, or why a row was refused (then
// nothing was imported).
func (s *Server) importList(w http.ResponseWriter, r *http.Request, se session) error {
	d := importData{Form: newForm(nil, "file")}
	file, hdr, err := r.FormFile("file")
	var body []byte
	if err == nil {
		defer file.Close()
		d.FileName = hdr.Filename
		body, err = io.ReadAll(file)
	}
	ct := map[string]string{".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[strings.ToLower(filepath.Ext(d.FileName))]
	switch {
	case err != nil || len(body) == 0:
		d.Form.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "file", Message: "请选择要导入的清单文件（CSV 或 XLSX）。"})
	case ct == "":
		d.Form.refuse(problem{Status: http.StatusUnprocessableEntity, Field: "file", Message: "只能导入 CSV（.csv）或 Excel（.xlsx）文件。"})
	default:
		sum := sha256.Sum256(body)
		res, err := s.forms.ImportProjects(r.Context(), se.Token, ct, "portal-"+hex.EncodeToString(sum[:16]), body)
		if err == nil {
			d.Result = &res
			s.render(w, r, http.StatusOK, "import", "导入年度重点项目清单", d)
			return nil
		}
		if api.StatusOf(err) == http.StatusUnauthorized {
			return err
		}
		p := explainForm(err)
		var e *api.Error
		if errors.As(err, &e) && e.Code == "invalid_rows" {
			d.Rows = rowProblems(e.Message)
			p = problem{Status: e.Status, Field: "file", Message: "清单中有 " + strconv.Itoa(len(d.Rows)) + " 行不符合要求，整份清单均未导入。请按下表修改后重新上传。"}
		} else if p.Field != "" {
			p.Field = "file"
		}
		d.Form.refuse(p)
	}
	s.render(w, r, d.Form.Problem.Status, "import", "导入年度重点项目清单", d)
	return nil
}

var rowRE = regexp.MustCompile(`row (\d+), ([\w\[\].]+): ([^;]+)`)

// rowWords turn intake's reason for a refused row into words.
var rowWords = []struct {
	re    *regexp.Regexp
	words func(label string, m []string) string
}{
	{regexp.MustCompile(`is required`), func(l string, _ []string) string { return "请填写" + l + "。" }},
	{regexp.MustCompile(`must look like`), func(string, []string) string { return fieldWords["invalid_code"]("") }},
	{regexp.MustCompile(`officers?:|no officer`), func(string, []string) string { return fieldWords["unknown_officer"]("") }},
	{regexp.MustCompile(`work group`), func(string, []string) string { return fieldWords["unknown_work_group"]("") }},
	{regexp.MustCompile(`must be one of`), func(l string, _ []string) string { return l + "应从规定的选项中选择。" }},
	{regexp.MustCompile(`mobile number|landline`), func(string, []string) string { return fieldWords["invalid_phone"]("") }},
	{regexp.MustCompile(`amount`), func(string, []string) string { return fieldWords["invalid_investment"]("") }},
	{regexp.MustCompile(`also on row (\d+)`), func(_ string, m []string) string { return "与第 " + m[1] + " 行的项目代码重复。" }},
	{regexp.MustCompile(`too long|longer than`), func(l string, _ []string) string { return l + "过长。" }},
}

// rowProblems reads intake's invalid_rows message: "…: row 3, code: …; row 5, …".
func rowProblems(msg string) []rowProblem {
	var out []rowProblem
	for _, m := range rowRE.FindAllStringSubmatch(msg, -1) {
		n, _ := strconv.Atoi(m[1])
		rp := rowProblem{Row: n, Label: labelOf(m[2]), Message: labelOf(m[2]) + "填写不符合要求。"}
		for _, w := range rowWords {
			if mm := w.re.FindStringSubmatch(m[3]); mm != nil {
				rp.Message = w.words(rp.Label, mm)
				break
			}
		}
		out = append(out, rp)
	}
	return out
}
