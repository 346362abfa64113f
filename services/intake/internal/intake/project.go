// Package intake is the front door's domain: key-project registrations and
// service requests, their validation and the events they produce.
package intake

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/phone"
)

// Project is a key investment project registered at the front door.
type Project struct {
	Code              string  `json:"code"`
	Name              string  `json:"name"`
	Category          string  `json:"category"`
	Level             string  `json:"level"`
	OwnerOrganisation string  `json:"owner_organisation"`
	OwnerContact      string  `json:"owner_contact"`
	OwnerPhone        string  `json:"owner_phone,omitempty"`
	Location          string  `json:"location,omitempty"`
	InvestmentWan     float64 `json:"investment_wan"`
	Stage             string  `json:"stage"`
	Officer           string  `json:"officer,omitempty"`
	WorkGroup         string  `json:"work_group,omitempty"`
	GreenChannel      bool    `json:"green_channel,omitempty"`
	// PlannedStart is the day the owner plans to start building (计划开工),
	// 2027-03-01, or empty; the ledger holds its start-date forecast
	// against it.
	PlannedStart string `json:"planned_start,omitempty"`
	// RegisteredAt is set by the service from its clock; a value sent in
	// is overwritten.
	RegisteredAt time.Time `json:"registered_at"`
}

// Categories, levels and stages a project may have.
var (
	Categories = []string{"社会投资", "城市建设", "工业四改", "政府投资", "招商引资"}
	Levels     = []string{"国家", "省", "市", "县"}
	// Stages in the order a project passes them (the ledger's too).
	Stages = []string{"planning", "reserve", "approving", "started", "building", "completed"}
	// StageNames are the stages as the seeds and the spreadsheets name them.
	StageNames = map[string]string{"谋划": "planning", "储备": "reserve", "审批": "approving", "开工": "started",
		"在建": "building", "竣工": "completed"}
)

// CodeRE is the national investment project code (项目代码):
// year-region(6)-industry(2)-type(2)-serial(6).
var CodeRE = regexp.MustCompile(`^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$`)

// normalPhone writes a valid number as Chinese documents do (13800138000,
// 0535-7654321) and leaves anything else for Validate to refuse.
func normalPhone(s string) string {
	if n, err := phone.Parse(s); err == nil {
		return n.National
	}
	return s
}

// checkPhone refuses text that is no phone number, naming field.
func checkPhone(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := phone.Parse(s); err != nil {
		return apperr.Invalid(field, "invalid_phone",
			field+" must be a mobile number (13800138000) or a landline with its area code (0535-7654321)")
	}
	return nil
}

// Normalize trims text fields and fills the default stage.
func (p *Project) Normalize() {
	for _, f := range []*string{&p.Code, &p.Name, &p.Category, &p.Level, &p.OwnerOrganisation,
		&p.OwnerContact, &p.OwnerPhone, &p.Location, &p.Stage, &p.Officer, &p.WorkGroup, &p.PlannedStart} {
		*f = strings.TrimSpace(*f)
	}
	p.OwnerPhone = normalPhone(p.OwnerPhone)
	p.PlannedStart = normalDay(p.PlannedStart)
	if p.Stage == "" {
		p.Stage = "approving"
	}
	if code, ok := StageNames[p.Stage]; ok {
		p.Stage = code
	}
}

// SameContent reports whether p and q register the same project: every
// field but the registration time.
func (p Project) SameContent(q Project) bool {
	p.RegisteredAt, q.RegisteredAt = time.Time{}, time.Time{}
	return p == q
}

// Validate reports the first rule p breaks, naming the field.
func (p Project) Validate() error {
	switch {
	case p.Code == "":
		return apperr.Invalid("code", "required", "the project code is required")
	case !CodeRE.MatchString(p.Code):
		return apperr.Invalid("code", "invalid_code", "the project code must look like 2024-370481-04-01-123456")
	}
	if err := requireText("name", p.Name, 200); err != nil {
		return err
	}
	if !slices.Contains(Categories, p.Category) {
		return apperr.Invalid("category", "invalid_category", "category must be one of "+strings.Join(Categories, ", "))
	}
	if !slices.Contains(Levels, p.Level) {
		return apperr.Invalid("level", "invalid_level", "level must be one of "+strings.Join(Levels, ", "))
	}
	if err := requireText("owner_organisation", p.OwnerOrganisation, 200); err != nil {
		return err
	}
	if err := requireText("owner_contact", p.OwnerContact, 50); err != nil {
		return err
	}
	if err := checkPhone("owner_phone", p.OwnerPhone); err != nil {
		return err
	}
	if utf8.RuneCountInString(p.Location) > 200 {
		return apperr.Invalid("location", "too_long", "location is longer than 200 characters")
	}
	if p.InvestmentWan <= 0 || p.InvestmentWan > 1e9 {
		return apperr.Invalid("investment_wan", "invalid_investment", "investment_wan must be a positive amount in 万元")
	}
	if !slices.Contains(Stages, p.Stage) {
		return apperr.Invalid("stage", "invalid_stage", "stage must be one of "+strings.Join(Stages, ", "))
	}
	return checkDay("planned_start", p.PlannedStart)
}

func requireText(field, v string, max int) error {
	if v == "" {
		return apperr.Invalid(field, "required", field+" is required")
	}
	if utf8.RuneCountInString(v) > max {
		return apperr.Invalid(field, "too_long", field+" is too long")
	}
	return nil
}
