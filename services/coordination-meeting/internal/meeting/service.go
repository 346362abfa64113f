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
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
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

// The meeting use cases, split by who uses them; *Service has them all.

// Meetings are the secretary's and the departments' API for the meetings
// themselves: schedule, agenda, moves and cancellations, and the candidates
// for an agenda.
type Meetings interface {
	Schedule(ctx context.Context, d Draft) (Meeting, error)
	Get(ctx context.Context, id string) (Meeting, error)
	List(ctx context.Context, q ListQuery) ([]Meeting, error)
	// EditAgenda replaces the agenda of a meeting not yet held.
	EditAgenda(ctx context.Context, id string, version int, drafts []EntryDraft) (Meeting, error)
	// Move moves a meeting not yet decided to another time (and place).
	Move(ctx context.Context, r MoveRequest) (Meeting, error)
	// Cancel cancels a meeting not yet decided.
	Cancel(ctx context.Context, r CancelRequest) (Meeting, error)
	Candidates(ctx context.Context, status string, limit int) ([]Candidate, error)
}

// Proceedings are a meeting's minutes and the documents made of it.
type Proceedings interface {
	// RecordMinutes records a decision per agenda entry, publishes them and
	// the action items, and schedules a recurring meeting's next occurrence.
	RecordMinutes(ctx context.Context, id, summary string, drafts []DecisionDraft) (Meeting, error)
	// Invitation is the meeting's iTIP message: a REQUEST, or a CANCEL once
	// it is cancelled.
	Invitation(ctx context.Context, id string) (Invite, error)
	MinutesMarkdown(ctx context.Context, id string) (string, error)
	// MinutesExport lays the meeting out for a workbook export.
	MinutesExport(ctx context.Context, id string) (MinutesExport, error)
}

// Agenda feeds the agendas from the clocks and the problem ledger.
type Agenda interface {
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

var (
	_ Meetings    = (*Service)(nil)
	_ Proceedings = (*Service)(nil)
	_ Agenda      = (*Service)(nil)
)

// Config tunes the service.
type Config struct {
	// JointLocation is where auto-convened joint meetings are held.
	JointLocation string
	// JointLeadDays is how many working days ahead they are convened, at
	// 09:00 Beijing time.
	JointLeadDays int
	// JointCapacity is how many agenda entries one auto-convened joint
	// meeting takes; the escalations of a work group on one day beyond it
	// go to a second meeting that day, and so on.
	JointCapacity int
	// Organizer is the invitations' ORGANIZER, a mailto: URI (see
	// Organizer). AttendeeDomain gives a department without a mail address
	// in the organisation file the address <code>@<domain>; without either
	// it is urn:tuijin:dept:<code>.
	Organizer      string
	AttendeeDomain string
}

// Service is the meeting use cases (Meetings, Agenda).
type Service struct {
	store Store
	org   *org.Org
	clock clock.Clock
	cal   workday.Calendar
	cfg   Config
	log   *slog.Logger
}

// NewService returns the meeting use cases over store, checking departments
// and work groups against o.
func NewService(store Store, o *org.Org, c clock.Clock, cal workday.Calendar, cfg Config, log *slog.Logger) *Service {
	if cfg.JointLocation == "" {
		cfg.JointLocation = "政务服务中心会议室"
	}
	if cfg.JointLeadDays == 0 {
		cfg.JointLeadDays = 2
	}
	if cfg.JointCapacity == 0 {
		cfg.JointCapacity = 12
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, org: o, clock: c, cal: cal, cfg: cfg, log: log}
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) group(code string) *org.WorkGroup {
	if g, ok := workGroup(s.org, code); ok {
		return &g
	}
	return nil
}

func (s *Service) Schedule(ctx context.Context, d Draft) (Meeting, error) {
	m, err := d.Validate(s.org)
	if err != nil {
		return Meeting{}, err
	}
	m.ID = uuid.NewString()
	return s.create(ctx, m)
}

// create fills in a new meeting's agenda (dispatch and team report meetings
// take the open candidates of their work group) and attendees, and saves it.
func (s *Service) create(ctx context.Context, m Meeting) (Meeting, error) {
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

func (s *Service) scheduledEvent(ctx context.Context, m Meeting) (event.Message, error) {
	return s.meetingEvent(ctx, m, StatusScheduled, "", m.CreatedAt)
}

// meetingEvent is tuijin.meeting.scheduled for m as it now is: status is
// scheduled, moved or cancelled, and its sequence the meeting's version, so
// that a consumer takes the latest of one meeting's events.
func (s *Service) meetingEvent(ctx context.Context, m Meeting, status, reason string, at time.Time) (event.Message, error) {
	agenda := make([]string, len(m.Agenda))
	for i, e := range m.Agenda {
		agenda[i] = e.Title
	}
	return event.Build(ctx, event.TypeMeetingScheduled, event.TypeMeetingScheduled, Producer,
		event.Ref("meeting", m.ID), at, &meetingv1.MeetingScheduled{
			MeetingId: m.ID, Kind: m.Kind, Title: m.Title, StartsAt: timestamppb.New(m.StartsAt),
			Location: m.Location, Attendees: m.Attendees, WorkGroup: m.WorkGroup,
			Agenda: agenda, ProjectCode: m.ProjectCode, AutoConvened: m.AutoConvened,
			Sequence: int32(m.Version), Status: status, Reason: reason,
		})
}

func (s *Service) Get(ctx context.Context, id string) (Meeting, error) {
	m, err := s.store.Meeting(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Meeting{}, apperr.NotFound("meeting_not_found", "no meeting "+id)
	}
	if err != nil {
		return Meeting{}, fmt.Errorf("get meeting %s: %w", id, err)
	}
	return m, nil
}

func (s *Service) List(ctx context.Context, q ListQuery) ([]Meeting, error) {
	q, err := q.Check()
	if err != nil {
		return nil, err
	}
	ms, err := s.store.List(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	if ms == nil {
		ms = []Meeting{}
	}
	return ms, nil
}

func (s *Service) EditAgenda(ctx context.Context, id string, version int, drafts []EntryDraft) (Meeting, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	switch {
	case m.Status == StatusCancelled:
		return Meeting{}, apperr.Conflict("meeting_cancelled", "meeting "+m.ID+" is cancelled")
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

func (s *Service) update(ctx context.Context, m Meeting, events []event.Message) error {
	err := s.store.Update(ctx, m, events)
	if errors.Is(err, ErrConflict) {
		return &apperr.Error{Kind: apperr.KindConflict, Code: "version_mismatch",
			Message: "the meeting changed meanwhile; read it again", Err: ErrConflict}
	}
	if err != nil {
		return fmt.Errorf("update meeting %s: %w", m.ID, err)
	}
	return nil
}
