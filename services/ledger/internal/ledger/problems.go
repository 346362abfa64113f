package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// ProblemStatus is where a problem (问题台账) stands.
type ProblemStatus string

// Problem statuses: raised, being worked on, solved. A resolved problem may
// be reopened.
const (
	ProblemOpen       ProblemStatus = "open"
	ProblemInProgress ProblemStatus = "in_progress"
	ProblemResolved   ProblemStatus = "resolved"
)

// Escalation levels of a problem, the ladder of seed 002: none, 催办,
// 督办, 约谈, 提级.
var Escalations = []string{"none", "urge", "supervise", "interview", "escalate"}

// Measure is one step taken to solve a problem (解决举措).
type Measure struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Text  string    `json:"text"`
	// Source names where a measure came from when it was not typed in,
	// e.g. "meeting:<meeting id>/<agenda entry id>" for a meeting's
	// decision; a redelivered decision finds its measure and adds none.
	Source string `json:"source,omitempty"`
}

// ProblemEntry records a change of a problem.
type ProblemEntry struct {
	At         time.Time     `json:"at"`
	Actor      string        `json:"actor"`
	Status     ProblemStatus `json:"status"`
	Escalation string        `json:"escalation"`
	Note       string        `json:"note,omitempty"`
}

// Problem is an entry of the project's problem ledger.
type Problem struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Department is responsible for solving it.
	Department string         `json:"department"`
	ItemID     string         `json:"item_id,omitempty"`
	Status     ProblemStatus  `json:"status"`
	Escalation string         `json:"escalation"`
	RaisedBy   string         `json:"raised_by"`
	RaisedAt   time.Time      `json:"raised_at"`
	ResolvedAt *time.Time     `json:"resolved_at,omitempty"`
	Measures   []Measure      `json:"measures"`
	History    []ProblemEntry `json:"history"`
}

// NewProblem is a problem as raised.
type NewProblem struct {
	Title       string
	Description string
	Department  string
	ItemID      string
	Escalation  string
	Actor       string
	Version     int64
}

// ProblemUpdate changes a problem's status or escalation, or records a
// measure taken; at least one of them.
type ProblemUpdate struct {
	Status     ProblemStatus
	Escalation string
	Measure    string
	Note       string
	Actor      string
	Version    int64
	// Source is recorded on the measure (see Measure.Source).
	Source string
}

func checkActor(actor string) error {
	if strings.TrimSpace(actor) == "" {
		return apperr.Invalid("actor", "actor_required", "actor is required: who records this")
	}
	if len(actor) > maxActor {
		return apperr.Invalid("actor", "too_long", fmt.Sprintf("actor exceeds %d bytes", maxActor))
	}
	return nil
}

// RaiseProblem adds a problem to the ledger and returns it.
func (p *Project) RaiseProblem(n NewProblem, departments func(string) bool, now time.Time) (Problem, error) {
	if err := checkActor(n.Actor); err != nil {
		return Problem{}, err
	}
	if strings.TrimSpace(n.Title) == "" || len(n.Title) > 300 {
		return Problem{}, apperr.Invalid("title", "invalid_title", "title is required, at most 300 bytes")
	}
	if len(n.Description) > maxNote {
		return Problem{}, apperr.Invalid("description", "too_long", fmt.Sprintf("description exceeds %d bytes", maxNote))
	}
	if !departments(n.Department) {
		return Problem{}, apperr.Invalid("department", "unknown_department", fmt.Sprintf("no department %q", n.Department))
	}
	if n.Escalation == "" {
		n.Escalation = Escalations[0]
	}
	if !slices.Contains(Escalations, n.Escalation) {
		return Problem{}, apperr.Invalid("escalation", "invalid_escalation", "escalation is one of "+strings.Join(Escalations, ", "))
	}
	if n.ItemID != "" {
		if _, ok := p.Item(n.ItemID); !ok {
			return Problem{}, apperr.Invalid("item_id", "unknown_item", "project "+p.Code+" has no item "+n.ItemID)
		}
	}
	if n.Version != p.Version {
		return Problem{}, staleVersion(n.Version, p.Version)
	}
	pr := Problem{
		ID: fmt.Sprintf("%s.p%d", p.Code, len(p.Problems)+1), Title: n.Title, Description: n.Description,
		Department: n.Department, ItemID: n.ItemID, Status: ProblemOpen, Escalation: n.Escalation,
		RaisedBy: n.Actor, RaisedAt: now, Measures: []Measure{},
		History: []ProblemEntry{{At: now, Actor: n.Actor, Status: ProblemOpen, Escalation: n.Escalation, Note: "raised"}},
	}
	p.Problems = append(p.Problems, pr)
	p.Version++
	return pr, nil
}

// UpdateProblem applies u to the problem with id and returns it.
func (p *Project) UpdateProblem(id string, u ProblemUpdate, now time.Time) (Problem, error) {
	if err := checkActor(u.Actor); err != nil {
		return Problem{}, err
	}
	if u.Status != "" && u.Status != ProblemOpen && u.Status != ProblemInProgress && u.Status != ProblemResolved {
		return Problem{}, apperr.Invalid("status", "invalid_status", "status is one of open, in_progress, resolved")
	}
	if u.Escalation != "" && !slices.Contains(Escalations, u.Escalation) {
		return Problem{}, apperr.Invalid("escalation", "invalid_escalation", "escalation is one of "+strings.Join(Escalations, ", "))
	}
	if len(u.Measure) > maxNote || len(u.Note) > maxNote {
		return Problem{}, apperr.Invalid("measure", "too_long", fmt.Sprintf("measure and note are at most %d bytes", maxNote))
	}
	if u.Status == "" && u.Escalation == "" && strings.TrimSpace(u.Measure) == "" {
		return Problem{}, apperr.Invalid("status", "nothing_to_change", "give a status, an escalation or a measure")
	}
	i := slices.IndexFunc(p.Problems, func(pr Problem) bool { return pr.ID == id })
	if i < 0 {
		return Problem{}, apperr.NotFound("problem_not_found", "no problem "+id)
	}
	if u.Version != p.Version {
		return Problem{}, staleVersion(u.Version, p.Version)
	}
	pr := p.Problems[i]
	pr.Measures = slices.Clone(pr.Measures)
	pr.History = slices.Clone(pr.History)
	if u.Status == ProblemResolved && pr.Status == ProblemResolved {
		return Problem{}, conflict(ErrIllegalTransition, "illegal_transition", "problem "+id+" is already resolved")
	}
	if u.Status != "" {
		pr.Status = u.Status
		if u.Status == ProblemResolved {
			t := now
			pr.ResolvedAt = &t
		} else {
			pr.ResolvedAt = nil
		}
	}
	if u.Escalation != "" {
		pr.Escalation = u.Escalation
	}
	note := u.Note
	if m := strings.TrimSpace(u.Measure); m != "" {
		pr.Measures = append(pr.Measures, Measure{At: now, Actor: u.Actor, Text: m, Source: u.Source})
		if note == "" {
			note = "measure: " + m
		}
	}
	pr.History = append(pr.History, ProblemEntry{At: now, Actor: u.Actor, Status: pr.Status, Escalation: pr.Escalation, Note: note})
	p.Problems[i] = pr
	p.Version++
	return pr, nil
}

// HasMeasureFrom reports whether problem id already records a measure from
// source.
func (p *Project) HasMeasureFrom(id, source string) bool {
	i := slices.IndexFunc(p.Problems, func(pr Problem) bool { return pr.ID == id })
	return i >= 0 && slices.ContainsFunc(p.Problems[i].Measures, func(m Measure) bool { return m.Source == source })
}

// Meeting outcomes, as tuijin.meeting.decided carries them.
const (
	OutcomeResolved = "resolved"
	OutcomeAction   = "action"
	OutcomeEscalate = "escalate"
)

// MeetingDecision is a coordination meeting's decision on a problem.
type MeetingDecision struct {
	MeetingID   string
	AgendaEntry string
	ProblemID   string
	Outcome     string
	Text        string
}

// decisionUpdate is what a meeting's decision does to its problem: the
// decision is recorded as a measure taken (解决举措); "resolved" solves the
// problem, "action" puts it in progress, "escalate" raises it to 提级.
func decisionUpdate(d MeetingDecision, version int64) ProblemUpdate {
	u := ProblemUpdate{Actor: "coordination-meeting", Version: version,
		Source: "meeting:" + d.MeetingID + "/" + d.AgendaEntry}
	switch d.Outcome {
	case OutcomeResolved:
		u.Status, u.Measure = ProblemResolved, "协调会议定：问题已解决。"+d.Text
	case OutcomeEscalate:
		u.Escalation, u.Measure = "escalate", "协调会议定：提级处理。"+d.Text
	default:
		u.Status, u.Measure = ProblemInProgress, "协调会议定："+d.Text
	}
	return u
}
