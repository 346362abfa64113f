package meeting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/org"
)

// Producer is this service's name on its events.
const Producer = "coordination-meeting"

// ErrNotFound is what the store reports for an unknown meeting.
var ErrNotFound = errors.New("not found")

// Store keeps meetings. Create saves the meeting and its events atomically;
// the events are published after the save.
type Store interface {
	Create(ctx context.Context, m Meeting, events []event.Message) error
	Meeting(ctx context.Context, id string) (Meeting, error)
	List(ctx context.Context, q ListQuery) ([]Meeting, error)
}

// Service is coordination-meeting's use cases.
type Service interface {
	Schedule(ctx context.Context, d Draft) (Meeting, error)
	Get(ctx context.Context, id string) (Meeting, error)
	List(ctx context.Context, q ListQuery) ([]Meeting, error)
}

type service struct {
	store Store
	org   *org.Org
	clock clock.Clock
}

// NewService returns the meeting use cases over store, checking departments
// and work groups against o.
func NewService(store Store, o *org.Org, c clock.Clock) Service {
	return &service{store: store, org: o, clock: c}
}

func (s *service) Schedule(ctx context.Context, d Draft) (Meeting, error) {
	m, err := d.Validate(s.org)
	if err != nil {
		return Meeting{}, err
	}
	m.ID = uuid.NewString()
	m.Status = StatusScheduled
	m.CreatedAt = s.clock.Now().UTC().Truncate(time.Millisecond)
	msg, err := event.Build(ctx, event.TypeMeetingScheduled, event.TypeMeetingScheduled, Producer,
		event.Ref("meeting", m.ID), m.CreatedAt, &meetingv1.MeetingScheduled{
			MeetingId: m.ID, Kind: m.Kind, Title: m.Title, StartsAt: timestamppb.New(m.StartsAt),
			Location: m.Location, Attendees: m.Attendees, WorkGroup: m.WorkGroup,
		})
	if err != nil {
		return Meeting{}, err
	}
	if err := s.store.Create(ctx, m, []event.Message{msg}); err != nil {
		return Meeting{}, fmt.Errorf("schedule meeting: %w", err)
	}
	return m, nil
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
