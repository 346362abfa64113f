package meeting

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

// Sources of agenda entries.
const (
	SourceInterview = "interview" // an item or problem escalated to 约谈
	SourceProblem   = "problem"   // a problem raised on the ledger
	SourceRed       = "red"       // an item gone overdue (红灯)
	SourceManual    = "manual"    // added by hand before the meeting
)

// Statuses of an agenda candidate.
const (
	CandidateOpen      = "open"      // waiting for a meeting
	CandidateScheduled = "scheduled" // on an upcoming meeting's agenda
	CandidateDecided   = "decided"   // a meeting decided on it
	CandidateClosed    = "closed"    // resolved elsewhere before a meeting
)

// Candidate is something that reached meeting level and waits for a
// meeting's agenda. Its id is derived from what it is about, so the same
// escalation delivered twice is one candidate.
type Candidate struct {
	ID          string    `json:"id"`
	Source      string    `json:"source"`
	RefID       string    `json:"ref_id,omitempty"`
	ProblemID   string    `json:"problem_id,omitempty"`
	ProjectCode string    `json:"project_code,omitempty"`
	Department  string    `json:"department"`
	Title       string    `json:"title"`
	Text        string    `json:"text,omitempty"`
	RaisedAt    time.Time `json:"raised_at"`
	Status      string    `json:"status"`
	MeetingID   string    `json:"meeting_id,omitempty"`
}

// CandidateID is the id of the candidate from source about ref.
func CandidateID(source, ref string) string { return source + ":" + ref }

// Escalation is a clock event at 约谈 level (tuijin.deadline.escalated).
type Escalation struct {
	Kind        string // item, supplement, problem, action
	RefID       string
	ProjectCode string
	Department  string
	DueAt       time.Time
	FiredAt     time.Time
}

var kindNames = map[string]string{"item": "审批事项", "supplement": "补正材料", "problem": "问题", "action": "会议交办事项"}

// InterviewCandidate is the agenda candidate of an escalation to 约谈.
func InterviewCandidate(e Escalation) Candidate {
	what := kindNames[e.Kind]
	if what == "" {
		what = "事项"
	}
	c := Candidate{ID: CandidateID(SourceInterview, e.RefID), Source: SourceInterview, RefID: e.RefID,
		ProjectCode: e.ProjectCode, Department: e.Department,
		Title:    fmt.Sprintf("%s %s 超期进入约谈", what, e.RefID),
		Text:     fmt.Sprintf("应于 %s 办结，至今未办结，已约谈部门负责同志。", e.DueAt.In(workZone).Format("2006-01-02")),
		RaisedAt: e.FiredAt, Status: CandidateOpen}
	if e.Kind == "problem" {
		c.ProblemID = e.RefID
	}
	return c
}

// RedCandidate is the agenda candidate of an item gone overdue.
func RedCandidate(e Escalation) Candidate {
	c := InterviewCandidate(e)
	c.ID, c.Source = CandidateID(SourceRed, e.RefID), SourceRed
	c.Title = fmt.Sprintf("%s %s 红灯超期", kindNames[e.Kind], e.RefID)
	c.Text = fmt.Sprintf("应于 %s 办结，已超期。", e.DueAt.In(workZone).Format("2006-01-02"))
	return c
}

// ProblemCandidate is the agenda candidate of a problem raised on the ledger.
func ProblemCandidate(problemID, projectCode, dept, title, text string, at time.Time) Candidate {
	return Candidate{ID: CandidateID(SourceProblem, problemID), Source: SourceProblem, ProblemID: problemID,
		ProjectCode: projectCode, Department: dept, Title: orDefault(title, "问题 "+problemID), Text: text,
		RaisedAt: at, Status: CandidateOpen}
}

// AgendaEntry is one item on a meeting's agenda.
type AgendaEntry struct {
	ID          string `json:"id"`
	Source      string `json:"source"`
	CandidateID string `json:"candidate_id,omitempty"`
	ProjectCode string `json:"project_code,omitempty"`
	ProblemID   string `json:"problem_id,omitempty"`
	Department  string `json:"department"`
	Title       string `json:"title"`
	Text        string `json:"text,omitempty"`
}

// EntryOf turns a candidate into an agenda entry of a meeting; the id is
// derived, so building the same agenda twice gives the same entries.
func EntryOf(meetingID string, c Candidate) AgendaEntry {
	return AgendaEntry{ID: uuid.NewSHA1(agendaNS, []byte(meetingID+"\x00"+c.ID)).String(), Source: c.Source,
		CandidateID: c.ID, ProjectCode: c.ProjectCode, ProblemID: c.ProblemID, Department: c.Department,
		Title: c.Title, Text: c.Text}
}

var agendaNS = uuid.MustParse("6f1c2a4e-3b5d-5e7f-9a1b-2c3d4e5f6a7b")

// ForGroup keeps the candidates a work group handles: those of its member
// departments. Without a group every candidate is kept.
func ForGroup(cands []Candidate, g *org.WorkGroup) []Candidate {
	if g == nil {
		return cands
	}
	var out []Candidate
	for _, c := range cands {
		if slices.Contains(g.Members, c.Department) || c.Department == g.Lead {
			out = append(out, c)
		}
	}
	return out
}

// Attendees are the meeting's own attendees, then the standing members of
// its work group, then every department the agenda involves, each once.
func Attendees(own []string, g *org.WorkGroup, agenda []AgendaEntry) []string {
	out := slices.Clone(own)
	add := func(d string) {
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if g != nil {
		add(g.Lead)
		for _, m := range g.Members {
			add(m)
		}
	}
	for _, e := range agenda {
		add(e.Department)
	}
	return out
}

// EntryDraft is an agenda entry as a caller edits it: an existing entry is
// named by id; a new one has no id and is added by hand.
type EntryDraft struct {
	ID          string `json:"id"`
	ProjectCode string `json:"project_code"`
	Department  string `json:"department"`
	Title       string `json:"title"`
	Text        string `json:"text"`
}

// EditAgenda applies an edited agenda to the current one: existing entries
// keep their source and candidate (title and text may change), new ones
// become manual entries, the order is the caller's.
func EditAgenda(o *org.Org, meetingID string, current []AgendaEntry, drafts []EntryDraft) ([]AgendaEntry, error) {
	if len(drafts) > 100 {
		return nil, apperr.Invalid("entries", "too_many", "an agenda holds at most 100 entries")
	}
	byID := map[string]AgendaEntry{}
	for _, e := range current {
		byID[e.ID] = e
	}
	seen := map[string]bool{}
	out := make([]AgendaEntry, 0, len(drafts))
	for i, d := range drafts {
		field := fmt.Sprintf("entries[%d]", i)
		title, text := strings.TrimSpace(d.Title), strings.TrimSpace(d.Text)
		if err := requireText(field+".title", title, 200); err != nil {
			return nil, err
		}
		if len([]rune(text)) > 2000 {
			return nil, apperr.Invalid(field+".text", "too_long", "text is longer than 2000 characters")
		}
		if d.ID != "" {
			e, ok := byID[d.ID]
			if !ok {
				return nil, apperr.Invalid(field+".id", "unknown_entry", fmt.Sprintf("no agenda entry %q on this meeting", d.ID))
			}
			if seen[d.ID] {
				return nil, apperr.Invalid(field+".id", "duplicate_entry", fmt.Sprintf("agenda entry %q is named twice", d.ID))
			}
			seen[d.ID] = true
			e.Title, e.Text = title, text
			out = append(out, e)
			continue
		}
		dept := strings.TrimSpace(d.Department)
		if _, ok := o.Department(dept); !ok {
			return nil, apperr.Invalid(field+".department", "unknown_department", fmt.Sprintf("no department %q", dept))
		}
		pc := strings.TrimSpace(d.ProjectCode)
		if pc != "" && !projectCodeRE.MatchString(pc) {
			return nil, apperr.Invalid(field+".project_code", "invalid_code", "project_code must look like 2024-370481-04-01-123456")
		}
		out = append(out, AgendaEntry{ID: uuid.NewSHA1(agendaNS, []byte(meetingID+"\x00manual\x00"+title+"\x00"+dept)).String(),
			Source: SourceManual, ProjectCode: pc, Department: dept, Title: title, Text: text})
	}
	return out, nil
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
