package meeting

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/event"
)

// Changes of a meeting in its history.
const (
	ChangeMoved     = "moved"
	ChangeCancelled = "cancelled"
)

// HistoryEntry is one change of a meeting's time, place or status: its
// timeline, oldest first.
type HistoryEntry struct {
	At     time.Time `json:"at"`
	Change string    `json:"change"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason"`
	// FromStartsAt/FromLocation are what a move left; StartsAt/Location what
	// it set.
	FromStartsAt time.Time `json:"from_starts_at"`
	FromLocation string    `json:"from_location"`
	StartsAt     time.Time `json:"starts_at"`
	Location     string    `json:"location"`
}

// MoveRequest moves a meeting to another time (and place). StartsAt is RFC
// 3339 text so that a bad time is a broken rule (422); Location is kept
// when empty; Version must be the meeting's current version.
type MoveRequest struct {
	ID       string `json:"-"`
	StartsAt string `json:"starts_at"`
	Location string `json:"location"`
	Reason   string `json:"reason"`
	Version  int    `json:"version"`
}

// CancelRequest cancels a meeting; Version must be its current version.
type CancelRequest struct {
	ID      string `json:"-"`
	Reason  string `json:"reason"`
	Version int    `json:"version"`
}

// changeable refuses a change of m that is no longer open to one: a decided
// meeting was held, a cancelled one will not be; and a change made on a
// version other than the meeting's.
func changeable(m Meeting, version int) error {
	switch {
	case m.Status == StatusDecided:
		return apperr.Conflict("meeting_decided", "meeting "+m.ID+" was held and its minutes recorded: it cannot be moved or cancelled")
	case m.Status == StatusCancelled:
		return apperr.Conflict("meeting_cancelled", "meeting "+m.ID+" is cancelled")
	case version == 0:
		return apperr.Invalid("version", "required", "version is required: the meeting's version you read")
	case version != m.Version:
		return apperr.Conflict("version_mismatch", fmt.Sprintf("meeting is at version %d, not %d", m.Version, version))
	}
	return nil
}

func validReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	return reason, requireText("reason", reason, 500)
}

// ApplyMove moves m as r asks at now: the new start must lie ahead and
// differ from the old one or the place must change. On error m is as it was.
func ApplyMove(m *Meeting, r MoveRequest, actor string, now time.Time) error {
	if err := changeable(*m, r.Version); err != nil {
		return err
	}
	startsAt, err := parseTime(r.StartsAt)
	if err != nil {
		return err
	}
	if !startsAt.After(now) {
		return apperr.Invalid("starts_at", "starts_in_past", "starts_at must lie ahead: a meeting is moved to a time still to come")
	}
	location := strings.TrimSpace(r.Location)
	if location == "" {
		location = m.Location
	}
	if err := requireText("location", location, 200); err != nil {
		return err
	}
	if startsAt.Equal(m.StartsAt) && location == m.Location {
		return apperr.Invalid("starts_at", "unchanged", "the meeting already starts then and there")
	}
	reason, err := validReason(r.Reason)
	if err != nil {
		return err
	}
	m.History = append(append([]HistoryEntry(nil), m.History...), HistoryEntry{At: now, Change: ChangeMoved, Actor: actor,
		Reason: reason, FromStartsAt: m.StartsAt, FromLocation: m.Location, StartsAt: startsAt, Location: location})
	m.StartsAt, m.Location = startsAt, location
	m.Version++
	return nil
}

// ApplyCancel cancels m as r asks at now. On error m is as it was.
func ApplyCancel(m *Meeting, r CancelRequest, actor string, now time.Time) error {
	if err := changeable(*m, r.Version); err != nil {
		return err
	}
	reason, err := validReason(r.Reason)
	if err != nil {
		return err
	}
	m.History = append(append([]HistoryEntry(nil), m.History...), HistoryEntry{At: now, Change: ChangeCancelled, Actor: actor,
		Reason: reason, FromStartsAt: m.StartsAt, FromLocation: m.Location, StartsAt: m.StartsAt, Location: m.Location})
	m.Status = StatusCancelled
	m.Version++
	return nil
}

// actor is who the caller's token names; the routes let no call without one
// reach a change.
func actor(ctx context.Context) (string, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return "", apperr.Unauthenticated("unauthenticated", "a meeting is moved or cancelled only by a signed-in caller")
	}
	return p.Actor(), nil
}

func (s *Service) Move(ctx context.Context, r MoveRequest) (Meeting, error) {
	who, err := actor(ctx)
	if err != nil {
		return Meeting{}, err
	}
	m, err := s.Get(ctx, r.ID)
	if err != nil {
		return Meeting{}, err
	}
	now := s.now()
	if err := ApplyMove(&m, r, who, now); err != nil {
		return Meeting{}, err
	}
	return m, s.saveChange(ctx, m, now)
}

// Cancel cancels a meeting; its agenda's candidates wait for the next
// meeting again.
func (s *Service) Cancel(ctx context.Context, r CancelRequest) (Meeting, error) {
	who, err := actor(ctx)
	if err != nil {
		return Meeting{}, err
	}
	m, err := s.Get(ctx, r.ID)
	if err != nil {
		return Meeting{}, err
	}
	now := s.now()
	if err := ApplyCancel(&m, r, who, now); err != nil {
		return Meeting{}, err
	}
	if err := s.saveChange(ctx, m, now); err != nil {
		return Meeting{}, err
	}
	var freed []string
	for _, e := range m.Agenda {
		if e.CandidateID != "" {
			freed = append(freed, e.CandidateID)
		}
	}
	if err := s.store.SetCandidates(ctx, freed, CandidateOpen, ""); err != nil {
		return Meeting{}, fmt.Errorf("reopen candidates of cancelled meeting %s: %w", m.ID, err)
	}
	return m, nil
}

// saveChange saves a moved or cancelled meeting with tuijin.meeting.scheduled
// saying so (status, reason, sequence), in one versioned write.
func (s *Service) saveChange(ctx context.Context, m Meeting, now time.Time) error {
	last := m.History[len(m.History)-1]
	msg, err := s.meetingEvent(ctx, m, last.Change, last.Reason, now)
	if err != nil {
		return err
	}
	return s.update(ctx, m, []event.Message{msg})
}
