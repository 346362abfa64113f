package intake

import (
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
)

func validProject() Project {
	return Project{
		Code: "2026-370481-04-01-000321", Name: "新能源电池材料项目", Category: "招商引资", Level: "市",
		OwnerOrganisation: "示范新材料有限公司", OwnerContact: "刘经理", OwnerPhone: "0535-7654321",
		InvestmentWan: 80000, Stage: "approving",
	}
}

func TestProjectValidate(t *testing.T) {
	cases := []struct {
		name   string
		mod    func(*Project)
		field  string // "" when valid
		reason string
	}{
		{"valid", func(*Project) {}, "", ""},
		{"stage defaults to approving", func(p *Project) { p.Stage = "  " }, "", ""},
		{"code trimmed", func(p *Project) { p.Code = " 2026-370481-04-01-000321\t" }, "", ""},
		{"no code", func(p *Project) { p.Code = "" }, "code", "required"},
		{"short code", func(p *Project) { p.Code = "2026-370481-04-01-321" }, "code", "invalid_code"},
		{"letters in code", func(p *Project) { p.Code = "2026-37048X-04-01-000321" }, "code", "invalid_code"},
		{"blank name", func(p *Project) { p.Name = "   " }, "name", "required"},
		{"long name", func(p *Project) { p.Name = strings.Repeat("项", 201) }, "name", "too_long"},
		{"name at the limit", func(p *Project) { p.Name = strings.Repeat("项", 200) }, "", ""},
		{"unknown category", func(p *Project) { p.Category = "其他" }, "category", "invalid_category"},
		{"unknown level", func(p *Project) { p.Level = "乡" }, "level", "invalid_level"},
		{"no owner", func(p *Project) { p.OwnerOrganisation = "" }, "owner_organisation", "required"},
		{"no contact", func(p *Project) { p.OwnerContact = "" }, "owner_contact", "required"},
		{"bad phone", func(p *Project) { p.OwnerPhone = "call me" }, "owner_phone", "invalid_phone"},
		{"no phone is fine", func(p *Project) { p.OwnerPhone = "" }, "", ""},
		{"eleven digits that are no mobile", func(p *Project) { p.OwnerPhone = "99999999999" }, "owner_phone", "invalid_phone"},
		{"landline without area code", func(p *Project) { p.OwnerPhone = "7654321" }, "owner_phone", "invalid_phone"},
		{"zero investment", func(p *Project) { p.InvestmentWan = 0 }, "investment_wan", "invalid_investment"},
		{"absurd investment", func(p *Project) { p.InvestmentWan = 2e9 }, "investment_wan", "invalid_investment"},
		{"unknown stage", func(p *Project) { p.Stage = "dreaming" }, "stage", "invalid_stage"},
		{"a planned start", func(p *Project) { p.PlannedStart = "2027-03-01" }, "", ""},
		{"a planned start as a sheet writes it", func(p *Project) { p.PlannedStart = "2027年3月1日" }, "", ""},
		{"no planned start is fine", func(p *Project) { p.PlannedStart = " " }, "", ""},
		{"a planned start that is no day", func(p *Project) { p.PlannedStart = "next spring" }, "planned_start", "invalid_date"},
		{"a planned start of 30 February", func(p *Project) { p.PlannedStart = "2027-02-30" }, "planned_start", "invalid_date"},
		{"a planned start centuries away", func(p *Project) { p.PlannedStart = "2270-03-01" }, "planned_start", "invalid_date"},
		{"a planned start with a time", func(p *Project) { p.PlannedStart = "2027-03-01T08:00:00Z" }, "planned_start", "invalid_date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validProject()
			c.mod(&p)
			p.Normalize()
			check(t, p.Validate(), c.field, c.reason)
		})
	}
}

// Phones are kept as Chinese documents write them, whichever way they came.
func TestPhonesNormalised(t *testing.T) {
	for in, want := range map[string]string{
		"138 0013 8000":     "13800138000",
		"+86 138-0013-8000": "13800138000",
		"(0535)7654321":     "0535-7654321",
		"0535 7654321":      "0535-7654321",
		"call me":           "call me", // left for Validate to refuse
	} {
		p := validProject()
		p.OwnerPhone = in
		p.Normalize()
		r := Request{Phone: in}
		r.Normalize()
		if p.OwnerPhone != want || r.Phone != want {
			t.Errorf("%q: project %q, request %q, want %q", in, p.OwnerPhone, r.Phone, want)
		}
	}
}

func TestRequestValidate(t *testing.T) {
	valid := func() Request {
		return Request{ProjectCode: "2026-370481-04-01-000321", Kind: "agency", Title: "委托代办施工许可", Contact: "刘经理"}
	}
	cases := []struct {
		name   string
		mod    func(*Request)
		field  string
		reason string
	}{
		{"valid", func(*Request) {}, "", ""},
		{"no project", func(r *Request) { r.ProjectCode = "" }, "project_code", "required"},
		{"bad project code", func(r *Request) { r.ProjectCode = "abc" }, "project_code", "invalid_code"},
		{"unknown kind", func(r *Request) { r.Kind = "complaint" }, "kind", "invalid_kind"},
		{"blank title", func(r *Request) { r.Title = " " }, "title", "required"},
		{"long description", func(r *Request) { r.Description = strings.Repeat("很", 2001) }, "description", "too_long"},
		{"no contact", func(r *Request) { r.Contact = "" }, "contact", "required"},
		{"bad phone", func(r *Request) { r.Phone = "12" }, "phone", "invalid_phone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := valid()
			c.mod(&r)
			r.Normalize()
			check(t, r.Validate(), c.field, c.reason)
		})
	}
}

// The fingerprint tells a retry from a different request under the same
// idempotency key: same content, same print; any field changed, another.
func TestContentFingerprint(t *testing.T) {
	a := Request{ProjectCode: "2026-370481-04-01-000321", Kind: "agency", Title: "施工许可", Contact: "刘经理"}
	b := a
	if a.ContentFingerprint() != b.ContentFingerprint() {
		t.Fatal("equal requests print differently")
	}
	b.Title, b.Description = "施工", "许可" // same letters, moved across fields
	if a.ContentFingerprint() == b.ContentFingerprint() {
		t.Fatal("different requests print the same")
	}
}

func check(t *testing.T, err error, field, reason string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid || e.Field != field || e.Code != reason {
		t.Fatalf("got %#v, want invalid %s (%s)", err, field, reason)
	}
}

// Planned starts are kept as data writes a day, whichever way the sheet
// wrote it.
func TestPlannedStartNormalised(t *testing.T) {
	for in, want := range map[string]string{
		"2027-03-01": "2027-03-01", "2027-3-1": "2027-03-01", "2027/3/1": "2027-03-01",
		"2027.03.01": "2027-03-01", "2027年3月1日": "2027-03-01", " 2027-03-01 ": "2027-03-01",
	} {
		p := validProject()
		p.PlannedStart = in
		p.Normalize()
		if p.PlannedStart != want || p.Validate() != nil {
			t.Errorf("%q: %q (%v), want %q", in, p.PlannedStart, p.Validate(), want)
		}
	}
}
