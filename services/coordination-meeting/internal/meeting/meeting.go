// Package meeting is coordination-meeting's domain: dispatch meetings (调度会),
// team reports, joint meetings (联席会议) and on-site meetings (现场会).
package meeting

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

// Meeting is a scheduled coordination meeting.
type Meeting struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	StartsAt    time.Time `json:"starts_at"`
	Location    string    `json:"location"`
	WorkGroup   string    `json:"work_group,omitempty"`
	Attendees   []string  `json:"attendees"`
	ProjectCode string    `json:"project_code,omitempty"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	// Recurrence is weekly for dispatch meetings and fortnightly for team
	// reports: recording the minutes schedules the next one.
	Recurrence string        `json:"recurrence,omitempty"`
	Agenda     []AgendaEntry `json:"agenda"`
	Minutes    *Minutes      `json:"minutes,omitempty"`
	// AutoConvened marks a joint meeting convened by an escalation to 约谈.
	AutoConvened bool `json:"auto_convened,omitempty"`
	// History is the meeting's moves and its cancellation, oldest first.
	History []HistoryEntry `json:"history,omitempty"`
	// Version counts the meeting's updates; each update is conditional on it.
	Version int `json:"version"`
}

// Kinds of meetings.
const (
	KindDispatch   = "dispatch"
	KindTeamReport = "team_report"
	KindJoint      = "joint"
	KindOnSite     = "on_site"
)

// Kinds lists every kind.
var Kinds = []string{KindDispatch, KindTeamReport, KindJoint, KindOnSite}

// Statuses of a meeting: scheduled (also when moved) until its minutes are
// recorded, or cancelled.
const (
	StatusScheduled = "scheduled"
	StatusDecided   = "decided"
	StatusCancelled = "cancelled"
)

// Recurrences.
const (
	RecurWeekly      = "weekly"
	RecurFortnightly = "fortnightly"
)

// RecurrenceOf is how often a kind of meeting recurs: dispatch meetings
// weekly per work group, team reports fortnightly, the others never.
func RecurrenceOf(kind string) string {
	switch kind {
	case KindDispatch:
		return RecurWeekly
	case KindTeamReport:
		return RecurFortnightly
	}
	return ""
}

// Next is the start of the meeting after one starting at t.
func Next(recurrence string, t time.Time) time.Time {
	if recurrence == RecurFortnightly {
		return t.AddDate(0, 0, 14)
	}
	return t.AddDate(0, 0, 7)
}

// projectCodeRE is the national investment project code (项目代码).
var projectCodeRE = regexp.MustCompile(`^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$`)

// codeRE is the shape of organisation codes (departments, work groups).
var codeRE = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)

// Draft is a meeting as a caller proposes it; StartsAt is RFC 3339 text so
// that an unparseable time is a rule broken (422), not malformed JSON.
type Draft struct {
	Kind        string
	Title       string
	StartsAt    string
	Location    string
	WorkGroup   string
	Attendees   []string
	ProjectCode string
}

// Validate checks d against the organisation and returns the meeting it
// describes, without the id, status and creation time the service sets.
func (d Draft) Validate(o *org.Org) (Meeting, error) {
	m := Meeting{
		Kind: strings.TrimSpace(d.Kind), Title: strings.TrimSpace(d.Title), Location: strings.TrimSpace(d.Location),
		WorkGroup: strings.TrimSpace(d.WorkGroup), ProjectCode: strings.TrimSpace(d.ProjectCode),
	}
	if !slices.Contains(Kinds, m.Kind) {
		return Meeting{}, apperr.Invalid("kind", "invalid_kind", "kind must be one of "+strings.Join(Kinds, ", "))
	}
	if err := requireText("title", m.Title, 100); err != nil {
		return Meeting{}, err
	}
	startsAt, err := parseTime(d.StartsAt)
	if err != nil {
		return Meeting{}, err
	}
	m.StartsAt = startsAt
	if err := requireText("location", m.Location, 200); err != nil {
		return Meeting{}, err
	}
	if m.WorkGroup != "" && !isWorkGroup(o, m.WorkGroup) {
		return Meeting{}, apperr.Invalid("work_group", "unknown_work_group", fmt.Sprintf("no work group %q", m.WorkGroup))
	}
	if m.Attendees, err = attendees(o, d.Attendees, m.WorkGroup != ""); err != nil {
		return Meeting{}, err
	}
	if m.Kind == KindDispatch && m.WorkGroup == "" {
		return Meeting{}, apperr.Invalid("work_group", "required", "a dispatch meeting is held per work group: work_group is required")
	}
	m.Recurrence = RecurrenceOf(m.Kind)
	switch {
	case m.ProjectCode == "" && m.Kind == KindOnSite:
		return Meeting{}, apperr.Invalid("project_code", "required", "an on_site meeting is held at a project: project_code is required")
	case m.ProjectCode != "" && !projectCodeRE.MatchString(m.ProjectCode):
		return Meeting{}, apperr.Invalid("project_code", "invalid_code", "project_code must look like 2024-370481-04-01-123456")
	}
	return m, nil
}

// parseTime reads RFC 3339 and keeps what MongoDB keeps (UTC, milliseconds),
// so the meeting returned on create equals the one read back.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, apperr.Invalid("starts_at", "required", "starts_at is required")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, apperr.Invalid("starts_at", "invalid_time", "starts_at must be an RFC 3339 time such as 2026-03-02T09:30:00+08:00")
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

// attendees are department codes of the organisation, each once, in the
// order given. With a work group they may be left out: its standing members
// and the agenda's departments are added by the service.
func attendees(o *org.Org, codes []string, group bool) ([]string, error) {
	if len(codes) == 0 && !group {
		return nil, apperr.Invalid("attendees", "required", "attendees must name at least one department")
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if _, ok := o.Department(c); !ok {
			return nil, apperr.Invalid("attendees", "unknown_department", fmt.Sprintf("no department %q", c))
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

func isWorkGroup(o *org.Org, code string) bool {
	_, ok := workGroup(o, code)
	return ok
}

func workGroup(o *org.Org, code string) (org.WorkGroup, bool) {
	for _, g := range o.WorkGroups {
		if g.Code == code {
			return g, true
		}
	}
	return org.WorkGroup{}, false
}

// Limits of a meeting list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ListQuery selects meetings, latest start first.
type ListQuery struct {
	WorkGroup string
	Limit     int
}

// Check trims the query's work group and checks it and the page size.
func (q ListQuery) Check() (ListQuery, error) {
	q.WorkGroup = strings.TrimSpace(q.WorkGroup)
	if q.WorkGroup != "" && !codeRE.MatchString(q.WorkGroup) {
		return ListQuery{}, apperr.Invalid("work_group", "invalid_work_group", "work_group must be a work group code such as yongdi")
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return ListQuery{}, LimitError(MaxLimit)
	}
	return q, nil
}

// LimitError is the error of a page size that is not a whole number from 1
// to max.
func LimitError(max int) error {
	return apperr.Invalid("limit", "invalid_limit", "limit must be a whole number from 1 to "+strconv.Itoa(max))
}

func requireText(field, v string, max int) error {
	if v == "" {
		return apperr.Invalid(field, "required", field+" is required")
	}
	if utf8.RuneCountInString(v) > max {
		return apperr.Invalid(field, "too_long", fmt.Sprintf("%s is longer than %d characters", field, max))
	}
	return nil
}

// CandidateStatuses lists every status of an agenda candidate.
var CandidateStatuses = []string{CandidateOpen, CandidateScheduled, CandidateDecided, CandidateClosed}

// CandidateQuery selects agenda candidates, oldest first.
type CandidateQuery struct {
	Status string
	Limit  int
}

// Check trims the query's status and checks it and the page size.
func (q CandidateQuery) Check() (CandidateQuery, error) {
	q.Status = strings.TrimSpace(q.Status)
	if q.Status != "" && !slices.Contains(CandidateStatuses, q.Status) {
		return CandidateQuery{}, apperr.Invalid("status", "invalid_status", "status must be one of "+strings.Join(CandidateStatuses, ", "))
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return CandidateQuery{}, LimitError(MaxLimit)
	}
	return q, nil
}
