package meeting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/org"
	"github.com/tuijin/tuijin/pkg/workday"
)

// Producer is this service's name on its events.
const Producer = "coordination-meeting"

// Errors the store reports.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("already exists")
	// ErrConflict: the meeting changed since it was read.
	ErrConflict = errors.New("changed meanwhile")
)

// Store keeps meetings and agenda candidates. Create and Update save the
// meeting and its events atomically (the events travel in the meeting
// document's outbox) and publish them after the save.
type Store interface {
	// Create inserts m, or returns ErrDuplicate when its id exists.
	Create(ctx context.Context, m Meeting, events []event.Message) error
	Meeting(ctx context.Context, id string) (Meeting, error)
	List(ctx context.Context, q ListQuery) ([]Meeting, error)
	// Upcoming lists the meetings still scheduled that start after now,
	// soonest first.
	Upcoming(ctx context.Context, now time.Time, limit int) ([]Meeting, error)
	// Update saves m if its stored version is m.Version-1, else ErrConflict.
	Update(ctx context.Context, m Meeting, events []event.Message) error

	// PutCandidate inserts c unless its id exists (the first one wins).
	PutCandidate(ctx context.Context, c Candidate) error
	Candidate(ctx context.Context, id string) (Candidate, error)
	// Candidates lists candidates in status (all when ""), oldest first.
	Candidates(ctx context.Context, status string, limit int) ([]Candidate, error)
	// SetCandidates sets status and meeting of candidates ids.
	SetCandidates(ctx context.Context, ids []string, status, meetingID string) error
}

// Service is coordination-meeting's use cases.
type Service interface {
	Schedule(ctx context.Context, d Draft) (Meeting, error)
	Get(ctx context.Context, id string) (Meeting, error)
	List(ctx context.Context, q ListQuery) ([]Meeting, error)
	// EditAgenda replaces the agenda of a meeting not yet held.
	EditAgenda(ctx context.Context, id string, version int, drafts []EntryDraft) (Meeting, error)
	// RecordMinutes records a decision per agenda entry, publishes them and
	// the action items, and schedules a recurring meeting's next occurrence.
	RecordMinutes(ctx context.Context, id, summary string, drafts []DecisionDraft) (Meeting, error)
	Invitation(ctx context.Context, id string) (string, error)
	MinutesMarkdown(ctx context.Context, id string) (string, error)
	Candidates(ctx context.Context, status string, limit int) ([]Candidate, error)

	// Escalated takes an escalation to 约谈 onto the agenda: onto an
	// upcoming meeting's if it is there already, else an ad-hoc joint
	// meeting is convened for it.
	Escalated(ctx context.Context, e Escalation) error
	// Overdue notes an item gone red as an agenda candidate.
	Overdue(ctx context.Context, e Escalation) error
	ProblemRaised(ctx context.Context, c Candidate) error
	// ProblemSettled closes an open problem candidate resolved elsewhere.
	ProblemSettled(ctx context.Context, problemID string) error
}

// Config tunes the service.
type Config struct {
	// JointLocation is where auto-convened joint meetings are held.
	JointLocation string
	// JointLeadDays is how many working days ahead they are convened, at
	// 09:00 Beijing time.
	JointLeadDays int
	// Organizer and AttendeeDomain shape the .ics invitation.
	Organizer      string
	AttendeeDomain string
}

type service struct {
	store Store
	org   *org.Org
	clock clock.Clock
	cal   workday.Calendar
	cfg   Config
	log   *slog.Logger
}

// NewService returns the meeting use cases over store, checking departments
// and work groups against o.
func NewService(store Store, o *org.Org, c clock.Clock, cal workday.Calendar, cfg Config, log *slog.Logger) Service {
	if cfg.JointLocation == "" {
		cfg.JointLocation = "政务服务中心会议室"
	}
	if cfg.JointLeadDays == 0 {
		cfg.JointLeadDays = 2
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &service{store: store, org: o, clock: c, cal: cal, cfg: cfg, log: log}
}

func (s *service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

func (s *service) group(code string) *org.WorkGroup {
	if g, ok := workGroup(s.org, code); ok {
		return &g
	}
	return nil
}

func (s *service) Schedule(ctx context.Context, d Draft) (Meeting, error) {
	m, err := d.Validate(s.org)
	if err != nil {
		return Meeting{}, err
	}
	m.ID = uuid.NewString()
	return s.create(ctx, m)
}

// create fills in a new meeting's agenda (dispatch and team report meetings
// take the open candidates of their work group) and attendees, and saves it.
func (s *service) create(ctx context.Context, m Meeting) (Meeting, error) {
	m.Status = StatusScheduled
	m.CreatedAt = s.now()
	g := s.group(m.WorkGroup)
	var taken []string
	if m.Agenda == nil && m.Recurrence != "" {
		open, err := s.store.Candidates(ctx, CandidateOpen, 100)
		if err != nil {
			return Meeting{}, fmt.Errorf("agenda candidates: %w", err)
		}
		for _, c := range ForGroup(open, g) {
			m.Agenda = append(m.Agenda, EntryOf(m.ID, c))
			taken = append(taken, c.ID)
		}
	}
	if m.Agenda == nil {
		m.Agenda = []AgendaEntry{}
	}
	m.Attendees = Attendees(m.Attendees, g, m.Agenda)
	if len(m.Attendees) == 0 {
		return Meeting{}, apperr.Invalid("attendees", "required", "attendees must name at least one department")
	}
	m.Version = 1
	msg, err := s.scheduledEvent(ctx, m)
	if err != nil {
		return Meeting{}, err
	}
	if err := s.store.Create(ctx, m, []event.Message{msg}); err != nil {
		return Meeting{}, fmt.Errorf("schedule meeting: %w", err)
	}
	if err := s.store.SetCandidates(ctx, taken, CandidateScheduled, m.ID); err != nil {
		return Meeting{}, fmt.Errorf("mark candidates scheduled: %w", err)
	}
	return m, nil
}

func (s *service) scheduledEvent(ctx context.Context, m Meeting) (event.Message, error) {
	agenda := make([]string, len(m.Agenda))
	for i, e := range m.Agenda {
		agenda[i] = e.Title
	}
	return event.Build(ctx, event.TypeMeetingScheduled, event.TypeMeetingScheduled, Producer,
		event.Ref("meeting", m.ID), m.CreatedAt, &meetingv1.MeetingScheduled{
			MeetingId: m.ID, Kind: m.Kind, Title: m.Title, StartsAt: timestamppb.New(m.StartsAt),
			Location: m.Location, Attendees: m.Attendees, WorkGroup: m.WorkGroup,
			Agenda: agenda, ProjectCode: m.ProjectCode, AutoConvened: m.AutoConvened,
		})
}

func (s *service) Get(ctx context.Context, id string) (Meeting, error) {
	m, err := s.store.Meeting(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Meeting{}, apperr.NotFound("meeting_not_found", "no meeting "+id)
	}
	if err != nil {
		return Meeting{}, fmt.Errorf("get meeting %s: %w", id, err)
	}
	return m, nil
}

func (s *service) List(ctx context.Context, q ListQuery) ([]Meeting, error) {
	ms, err := s.store.List(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	if ms == nil {
		ms = []Meeting{}
	}
	return ms, nil
}

func (s *service) EditAgenda(ctx context.Context, id string, version int, drafts []EntryDraft) (Meeting, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	switch {
	case m.Status != StatusScheduled || !s.now().Before(m.StartsAt):
		return Meeting{}, apperr.Conflict("meeting_started", "the agenda can be edited only before the meeting")
	case version != 0 && version != m.Version:
		return Meeting{}, apperr.Conflict("version_mismatch", fmt.Sprintf("meeting is at version %d, not %d", m.Version, version))
	}
	agenda, err := EditAgenda(s.org, m.ID, m.Agenda, drafts)
	if err != nil {
		return Meeting{}, err
	}
	var removed, kept []string
	for _, e := range m.Agenda {
		if e.CandidateID == "" {
			continue
		}
		if slices.ContainsFunc(agenda, func(a AgendaEntry) bool { return a.ID == e.ID }) {
			kept = append(kept, e.CandidateID)
		} else {
			removed = append(removed, e.CandidateID)
		}
	}
	m.Agenda = agenda
	if err := s.saveGrown(ctx, m); err != nil {
		return Meeting{}, err
	}
	m.Attendees = Attendees(m.Attendees, s.group(m.WorkGroup), agenda)
	m.Version++
	// A candidate taken off the agenda waits for the next meeting again.
	if err := s.store.SetCandidates(ctx, removed, CandidateOpen, ""); err != nil {
		return Meeting{}, fmt.Errorf("reopen candidates: %w", err)
	}
	return m, nil
}

func (s *service) update(ctx context.Context, m Meeting, events []event.Message) error {
	err := s.store.Update(ctx, m, events)
	if errors.Is(err, ErrConflict) {
		return apperr.Conflict("version_mismatch", "the meeting changed meanwhile; read it again")
	}
	if err != nil {
		return fmt.Errorf("update meeting %s: %w", m.ID, err)
	}
	return nil
}

func (s *service) RecordMinutes(ctx context.Context, id, summary string, drafts []DecisionDraft) (Meeting, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	minutes, err := ValidateMinutes(s.org, m, summary, drafts, s.now())
	if err != nil {
		return Meeting{}, err
	}
	entries := map[string]AgendaEntry{}
	for _, e := range m.Agenda {
		entries[e.ID] = e
	}
	var events []event.Message
	var decided []string
	for _, d := range minutes.Decisions {
		e := entries[d.AgendaEntryID]
		if e.CandidateID != "" {
			decided = append(decided, e.CandidateID)
		}
		text := d.Text
		switch {
		case d.Action != nil:
			text += "：" + d.Action.Description
		case d.Report != "":
			text += "\n专题报告：" + d.Report
		}
		msg, err := event.Build(ctx, event.TypeMeetingDecided, event.TypeMeetingDecided, Producer, event.Ref("meeting", m.ID),
			minutes.RecordedAt, &meetingv1.MeetingDecided{MeetingId: m.ID, AgendaEntryId: e.ID, ProjectCode: e.ProjectCode,
				ProblemId: e.ProblemID, Outcome: d.Outcome, Text: text})
		if err != nil {
			return Meeting{}, err
		}
		events = append(events, msg)
		if a := d.Action; a != nil {
			msg, err := event.Build(ctx, event.ForDepartment(event.TypeActionCreated, a.Department), event.TypeActionCreated, Producer,
				event.Ref("action", a.ID), minutes.RecordedAt, &meetingv1.ActionCreated{ActionId: a.ID, MeetingId: m.ID,
					ProjectCode: e.ProjectCode, Department: a.Department, Description: a.Description, DueAt: timestamppb.New(a.DueAt),
					AgendaEntryId: e.ID})
			if err != nil {
				return Meeting{}, err
			}
			events = append(events, msg)
		}
	}
	m.Minutes = &minutes
	m.Status = StatusDecided
	m.Version++
	if err := s.update(ctx, m, events); err != nil {
		return Meeting{}, err
	}
	if err := s.store.SetCandidates(ctx, decided, CandidateDecided, m.ID); err != nil {
		return Meeting{}, fmt.Errorf("mark candidates decided: %w", err)
	}
	if m.Recurrence != "" {
		if err := s.scheduleNext(ctx, m); err != nil {
			s.log.Error("next occurrence not scheduled", "meeting", m.ID, "err", err)
		}
	}
	return m, nil
}

// scheduleNext schedules a recurring meeting's next occurrence under an id
// derived from this one, so that it exists once.
func (s *service) scheduleNext(ctx context.Context, m Meeting) error {
	next := Meeting{ID: uuid.NewSHA1(agendaNS, []byte("next\x00"+m.ID)).String(), Kind: m.Kind, Title: m.Title,
		StartsAt: Next(m.Recurrence, m.StartsAt), Location: m.Location, WorkGroup: m.WorkGroup, Recurrence: m.Recurrence}
	g := s.group(m.WorkGroup)
	if g != nil {
		next.Attendees = Attendees(nil, g, nil)
	} else {
		next.Attendees = slices.Clone(m.Attendees)
	}
	_, err := s.create(ctx, next)
	if errors.Is(err, ErrDuplicate) {
		return nil
	}
	return err
}

func (s *service) Invitation(ctx context.Context, id string) (string, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return Invitation(m, s.now(), s.cfg.Organizer, func(code string) (string, string) {
		name := code
		if d, ok := s.org.Department(code); ok {
			name = d.Name
		}
		if s.cfg.AttendeeDomain != "" {
			return name, "mailto:" + code + "@" + s.cfg.AttendeeDomain
		}
		return name, "urn:tuijin:dept:" + code
	}), nil
}

func (s *service) MinutesMarkdown(ctx context.Context, id string) (string, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return MinutesMarkdown(m, func(code string) string {
		if d, ok := s.org.Department(code); ok {
			return d.Name
		}
		return code
	}), nil
}

func (s *service) Candidates(ctx context.Context, status string, limit int) ([]Candidate, error) {
	cs, err := s.store.Candidates(ctx, status, limit)
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

func (s *service) Escalated(ctx context.Context, e Escalation) error {
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
func (s *service) upcoming(ctx context.Context, id string) (Meeting, bool) {
	m, err := s.store.Meeting(ctx, id)
	if err != nil || m.Status != StatusScheduled || !m.StartsAt.After(s.now()) {
		return Meeting{}, false
	}
	return m, true
}

// replaceEntry makes the agenda entry of candidate old on meeting m the
// entry of candidate c (its id stays), and old's place c's.
func (s *service) replaceEntry(ctx context.Context, m Meeting, old, c Candidate) error {
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
func (s *service) attach(ctx context.Context, c Candidate) (bool, error) {
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
func (s *service) saveGrown(ctx context.Context, m Meeting) error {
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

// convene schedules the ad-hoc joint meeting (联席会议) of candidate c. Its
// id is derived from the candidate, so a redelivered escalation convenes
// nothing new.
func (s *service) convene(ctx context.Context, c Candidate) error {
	day := workday.Add(s.cal, s.now(), s.cfg.JointLeadDays)
	m := Meeting{ID: uuid.NewSHA1(agendaNS, []byte("joint\x00"+c.ID)).String(), Kind: KindJoint,
		Title:    "联席会议：" + c.Title,
		StartsAt: day.Add(9 * time.Hour).UTC(), Location: s.cfg.JointLocation,
		Attendees: []string{c.Department}, ProjectCode: c.ProjectCode, AutoConvened: true}
	if g := s.groupOf(c.Department); g != nil {
		m.WorkGroup = g.Code
	}
	m.Agenda = []AgendaEntry{EntryOf(m.ID, c)}
	_, err := s.create(ctx, m)
	if errors.Is(err, ErrDuplicate) {
		err = nil
	}
	if err != nil {
		return err
	}
	return s.store.SetCandidates(ctx, []string{c.ID}, CandidateScheduled, m.ID)
}

// groupOf is the work group a department leads, else the smallest one it
// belongs to: its standing members join the joint meeting.
func (s *service) groupOf(dept string) *org.WorkGroup {
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

func (s *service) Overdue(ctx context.Context, e Escalation) error {
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

func (s *service) ProblemRaised(ctx context.Context, c Candidate) error {
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

func (s *service) ProblemSettled(ctx context.Context, problemID string) error {
	c, err := s.store.Candidate(ctx, CandidateID(SourceProblem, problemID))
	if errors.Is(err, ErrNotFound) || (err == nil && c.Status != CandidateOpen) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.store.SetCandidates(ctx, []string{c.ID}, CandidateClosed, "")
}
