// Package event builds and reads the envelopes of Tuijin's events and names
// their subjects, so producers and consumers agree in one place.
package event

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
)

// Event types: the subject of an event without its routing suffix.
const (
	TypeProjectRegistered = "tuijin.intake.project.registered"
	TypeRequestReceived   = "tuijin.intake.request.received"
	TypeItemAssigned      = "tuijin.ledger.item.assigned"
	TypeItemChanged       = "tuijin.ledger.item.changed"
	TypeProjectChanged    = "tuijin.ledger.project.changed"
	TypeProblemRaised     = "tuijin.ledger.problem.raised"
	TypeProblemChanged    = "tuijin.ledger.problem.changed"
	TypeDeadlineWarning   = "tuijin.deadline.warning"
	TypeDeadlineOverdue   = "tuijin.deadline.overdue"
	TypeDeadlineEscalated = "tuijin.deadline.escalated"
	// TypeDeadlineRecomputed: a provisional due date recomputed when its
	// year's official arrangement arrived.
	TypeDeadlineRecomputed = "tuijin.deadline.recomputed"
	TypeMeetingScheduled   = "tuijin.meeting.scheduled"
	TypeMeetingDecided     = "tuijin.meeting.decided"
	TypeActionCreated      = "tuijin.meeting.action.created"
	TypeActionChanged      = "tuijin.meeting.action.changed"
	TypeTaskChanged        = "tuijin.ledger.task.changed"
	// TypeBriefingPublished: the leaders' weekly or monthly briefing of a
	// period that ended, once per period.
	TypeBriefingPublished = "tuijin.ledger.briefing.published"
)

// Event types of the follow-up clocks, which are not the department's
// promised time limit: the owner's 容缺 materials falling due and missed,
// the department's 告知承诺 check falling due and due.
const (
	TypeSupplementWarning = "tuijin.deadline.supplement.warning"
	TypeSupplementMissed  = "tuijin.deadline.supplement.missed"
	TypeCheckWarning      = "tuijin.deadline.check.warning"
	TypeCheckDue          = "tuijin.deadline.check.due"
	// AllSupplementEvents and AllCheckEvents are the subjects of every
	// event of one follow-up clock, for all departments.
	AllSupplementEvents = "tuijin.deadline.supplement.*.*"
	AllCheckEvents      = "tuijin.deadline.check.*.*"
)

// ForDepartment is the subject of a department-routed event type,
// e.g. ForDepartment(TypeItemAssigned, "zrzy") = "tuijin.ledger.item.assigned.zrzy".
func ForDepartment(eventType, dept string) string { return eventType + "." + dept }

// AllDepartments is the wildcard subject of a department-routed event type.
func AllDepartments(eventType string) string { return eventType + ".*" }

// ErrUndecodable marks bytes that are not a Tuijin envelope or whose payload
// is not the expected message. Such a message can never succeed.
var ErrUndecodable = errors.New("undecodable event")

// Ref names the entity an event is about.
func Ref(kind, id string) *eventv1.EntityRef { return &eventv1.EntityRef{Kind: kind, Id: id} }

// New wraps payload in an envelope with a fresh id.
func New(eventType, producer string, subject *eventv1.EntityRef, at time.Time, payload proto.Message) (*eventv1.Envelope, error) {
	p, err := anypb.New(payload)
	if err != nil {
		return nil, fmt.Errorf("wrap %s payload: %w", eventType, err)
	}
	return &eventv1.Envelope{
		Id:       uuid.NewString(),
		Type:     eventType,
		Time:     timestamppb.New(at),
		Producer: producer,
		Subject:  subject,
		Payload:  p,
	}, nil
}

// Marshal encodes an envelope for the wire.
func Marshal(env *eventv1.Envelope) ([]byte, error) {
	b, err := proto.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("marshal event %s: %w", env.GetId(), err)
	}
	return b, nil
}

// Decode reads an envelope from the wire. A missing id or type makes it
// undecodable: consumers rely on both.
func Decode(data []byte) (*eventv1.Envelope, error) {
	var env eventv1.Envelope
	if err := proto.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUndecodable, err)
	}
	if env.GetId() == "" || env.GetType() == "" || env.GetPayload() == nil {
		return nil, fmt.Errorf("%w: envelope without id, type or payload", ErrUndecodable)
	}
	return &env, nil
}

// Payload unpacks the envelope's payload into dst.
func Payload(env *eventv1.Envelope, dst proto.Message) error {
	if err := env.GetPayload().UnmarshalTo(dst); err != nil {
		return fmt.Errorf("%w: payload of %s: %v", ErrUndecodable, env.GetType(), err)
	}
	return nil
}
