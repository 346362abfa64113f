package meeting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
)

func (s *Service) Candidates(ctx context.Context, status string, limit int) ([]Candidate, error) {
	q, err := CandidateQuery{Status: status, Limit: limit}.Check()
	if err != nil {
		return nil, err
	}
	cs, err := s.store.Candidates(ctx, q.Status, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	if cs == nil {
		cs = []Candidate{}
	}
	return cs, nil
}

func validEscalation(e Escalation) error {
	switch {
	case e.RefID == "":
		return apperr.Invalid("ref_id", "required", "the escalation names nothing")
	case !codeRE.MatchString(e.Department):
		return apperr.Invalid("department", "invalid_department", "the escalation names no department code")
	}
	return nil
}

func (s *Service) Escalated(ctx context.Context, e Escalation) error {
	if err := validEscalation(e); err != nil {
		return err
	}
	c := InterviewCandidate(e)
	if err := s.store.PutCandidate(ctx, c); err != nil {
		return fmt.Errorf("agenda candidate %s: %w", c.ID, err)
	}
	// The red light of the same item, or the problem itself, is superseded
	// by the interview: an open one is closed, one on an upcoming agenda
	// becomes the interview's entry there.
	earlier := []string{CandidateID(SourceRed, e.RefID)}
	if e.Kind == "problem" {
		earlier = append(earlier, CandidateID(SourceProblem, e.RefID))
	}
	for _, id := range earlier {
		prev, err := s.store.Candidate(ctx, id)
		switch {
		case err == nil && prev.Status == CandidateOpen:
			if err := s.store.SetCandidates(ctx, []string{prev.ID}, CandidateClosed, ""); err != nil {
				return err
			}
		case err == nil && prev.Status == CandidateScheduled:
			if m, ok := s.upcoming(ctx, prev.MeetingID); ok {
				return s.replaceEntry(ctx, m, prev, c)
			}
		}
	}
	cur, err := s.store.Candidate(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("agenda candidate %s: %w", c.ID, err)
	}
	switch cur.Status {
	case CandidateDecided, CandidateClosed:
		return nil
	case CandidateScheduled:
		if _, ok := s.upcoming(ctx, cur.MeetingID); ok {
			return nil // on an upcoming meeting's agenda already
		}
	}
	return s.convene(ctx, cur)
}

// upcoming returns meeting id if it is still to be held.
func (s *Service) upcoming(ctx context.Context, id string) (Meeting, bool) {
	m, err := s.store.Meeting(ctx, id)
	if err != nil || m.Status != StatusScheduled || !m.StartsAt.After(s.now()) {
		return Meeting{}, false
	}
	return m, true
}

// replaceEntry makes the agenda entry of candidate old on meeting m the
// entry of candidate c (its id stays), and old's place c's.
func (s *Service) replaceEntry(ctx context.Context, m Meeting, old, c Candidate) error {
	oldID, changed := EntryOf(m.ID, old).ID, false
	for i, e := range m.Agenda {
		if e.ID == oldID && e.CandidateID == old.ID {
			ne := EntryOf(m.ID, c)
			ne.ID = e.ID
			m.Agenda[i], changed = ne, true
		}
	}
	if changed {
		m.Version++
		if err := s.update(ctx, m, nil); err != nil {
			return err
		}
	}
	if err := s.store.SetCandidates(ctx, []string{old.ID}, CandidateClosed, ""); err != nil {
		return err
	}
	return s.store.SetCandidates(ctx, []string{c.ID}, CandidateScheduled, m.ID)
}

// attach puts open candidate c on the agenda of the soonest upcoming
// recurring meeting whose work group covers its department, inviting the
// department if it was not: what was escalated since the last meeting is
// on the next one. It reports whether such a meeting was found.
func (s *Service) attach(ctx context.Context, c Candidate) (bool, error) {
	cur, err := s.store.Candidate(ctx, c.ID)
	if err != nil {
		return false, fmt.Errorf("agenda candidate %s: %w", c.ID, err)
	}
	if cur.Status != CandidateOpen {
		return false, nil
	}
	ms, err := s.store.Upcoming(ctx, s.now(), 50)
	if err != nil {
		return false, fmt.Errorf("upcoming meetings: %w", err)
	}
	for _, m := range ms {
		g := s.group(m.WorkGroup)
		if m.Recurrence == "" || len(ForGroup([]Candidate{cur}, g)) == 0 {
			continue
		}
		entry := EntryOf(m.ID, cur)
		if !slices.ContainsFunc(m.Agenda, func(e AgendaEntry) bool { return e.ID == entry.ID }) {
			m.Agenda = append(m.Agenda, entry)
			if err := s.saveGrown(ctx, m); err != nil {
				return false, err
			}
		}
		return true, s.store.SetCandidates(ctx, []string{cur.ID}, CandidateScheduled, m.ID)
	}
	return false, nil
}

// saveGrown saves meeting m whose agenda grew; departments it brings in are
// invited by a new tuijin.meeting.scheduled of the meeting.
func (s *Service) saveGrown(ctx context.Context, m Meeting) error {
	before := len(m.Attendees)
	m.Attendees = Attendees(m.Attendees, s.group(m.WorkGroup), m.Agenda)
	m.Version++
	var events []event.Message
	if len(m.Attendees) > before {
		msg, err := s.scheduledEvent(ctx, m)
		if err != nil {
			return err
		}
		events = append(events, msg)
	}
	return s.update(ctx, m, events)
}

// conveneAttempts bounds how often convene reads a joint meeting again
// after another writer changed or created it first.
const conveneAttempts = 20

// convene puts candidate c on the joint meeting (联席会议) of its work group
// on the day JointLeadDays working days ahead: the escalations of one group
// due for a meeting that day share it, each department invited once, up to
// JointCapacity entries; beyond that a second meeting that day is
// convened, and so on. Meeting ids derive from the group, the day and the
// meeting's number, so a redelivered escalation convenes nothing new.
func (s *Service) convene(ctx context.Context, c Candidate) error {
	day := workday.Add(s.cal, s.now(), s.cfg.JointLeadDays)
	group, name := "dept:"+c.Department, s.deptName(c.Department)
	g := s.groupOf(c.Department)
	if g != nil {
		group, name = g.Code, g.Name
	}
	n := 1
	for range conveneAttempts {
		id := uuid.NewSHA1(agendaNS, []byte(fmt.Sprintf("joint\x00%s\x00%s\x00%d", group, day.Format(time.DateOnly), n))).String()
		m, err := s.store.Meeting(ctx, id)
		if errors.Is(err, ErrNotFound) {
			err = s.conveneNew(ctx, id, c, g, name, day, n)
			if errors.Is(err, ErrDuplicate) {
				continue // convened meanwhile by another writer: join it
			}
			return err
		}
		if err != nil {
			return fmt.Errorf("joint meeting %s: %w", id, err)
		}
		entry := EntryOf(m.ID, c)
		if slices.ContainsFunc(m.Agenda, func(e AgendaEntry) bool { return e.ID == entry.ID }) {
			return s.store.SetCandidates(ctx, []string{c.ID}, CandidateScheduled, m.ID)
		}
		if m.Status != StatusScheduled || len(m.Agenda) >= s.cfg.JointCapacity {
			n++
			continue
		}
		m.Agenda = append(m.Agenda, entry)
		if m.ProjectCode != c.ProjectCode {
			m.ProjectCode = "" // about more than one project
		}
		err = s.saveGrown(ctx, m)
		if errors.Is(err, ErrConflict) {
			continue // changed meanwhile: read it again
		}
		if err != nil {
			return err
		}
		return s.store.SetCandidates(ctx, []string{c.ID}, CandidateScheduled, m.ID)
	}
	return fmt.Errorf("convene %s: the joint meetings kept changing", c.ID)
}

// conveneNew schedules the n-th joint meeting of the group on day with c
// as its first entry.
func (s *Service) conveneNew(ctx context.Context, id string, c Candidate, g *org.WorkGroup, name string, day time.Time, n int) error {
	title := fmt.Sprintf("联席会议：%s（%d月%d日）", name, int(day.Month()), day.Day())
	if n > 1 {
		title = fmt.Sprintf("联席会议：%s（%d月%d日，第%d场）", name, int(day.Month()), day.Day(), n)
	}
	m := Meeting{ID: id, Kind: KindJoint, Title: title,
		StartsAt: day.Add(9 * time.Hour).UTC(), Location: s.cfg.JointLocation,
		Attendees: []string{c.Department}, ProjectCode: c.ProjectCode, AutoConvened: true}
	if g != nil {
		m.WorkGroup = g.Code
	}
	m.Agenda = []AgendaEntry{EntryOf(m.ID, c)}
	if _, err := s.create(ctx, m); err != nil {
		return err
	}
	return s.store.SetCandidates(ctx, []string{c.ID}, CandidateScheduled, m.ID)
}

// groupOf is the work group a department leads, else the smallest one it
// belongs to: its standing members join the joint meeting.
func (s *Service) groupOf(dept string) *org.WorkGroup {
	var best *org.WorkGroup
	for i, g := range s.org.WorkGroups {
		if g.Lead == dept {
			return &s.org.WorkGroups[i]
		}
		if slices.Contains(g.Members, dept) && (best == nil || len(g.Members) < len(best.Members)) {
			best = &s.org.WorkGroups[i]
		}
	}
	return best
}

func (s *Service) Overdue(ctx context.Context, e Escalation) error {
	if err := validEscalation(e); err != nil {
		return err
	}
	if _, err := s.store.Candidate(ctx, CandidateID(SourceInterview, e.RefID)); err == nil {
		return nil // already at 约谈: the red light adds nothing
	}
	c := RedCandidate(e)
	if err := s.store.PutCandidate(ctx, c); err != nil {
		return err
	}
	_, err := s.attach(ctx, c)
	return err
}

func (s *Service) ProblemRaised(ctx context.Context, c Candidate) error {
	if c.ProblemID == "" {
		return apperr.Invalid("problem_id", "required", "the problem has no id")
	}
	if !codeRE.MatchString(c.Department) {
		return apperr.Invalid("department", "invalid_department", "the problem names no department code")
	}
	if err := s.store.PutCandidate(ctx, c); err != nil {
		return err
	}
	_, err := s.attach(ctx, c)
	return err
}

func (s *Service) ProblemSettled(ctx context.Context, problemID string) error {
	c, err := s.store.Candidate(ctx, CandidateID(SourceProblem, problemID))
	if errors.Is(err, ErrNotFound) || (err == nil && c.Status != CandidateOpen) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.store.SetCandidates(ctx, []string{c.ID}, CandidateClosed, "")
}
