package transport

import (
	"context"
	"fmt"
	"strings"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// DeadlineConsumer takes escalations to 约谈 and red lights onto agendas.
var DeadlineConsumer = bus.ConsumerSpec{
	Durable: "coordination-meeting-deadline",
	Subjects: []string{event.AllDepartments(event.TypeDeadlineEscalated),
		event.AllDepartments(event.TypeDeadlineOverdue)},
}

// ProblemConsumer takes the ledger's problems onto agendas.
var ProblemConsumer = bus.ConsumerSpec{
	Durable: "coordination-meeting-problems",
	Subjects: []string{event.AllDepartments(event.TypeProblemRaised),
		event.AllDepartments(event.TypeProblemChanged)},
}

// settle maps a service error to the bus: a broken event is dead-lettered,
// anything else retried.
func settle(err error) error {
	if apperr.KindOf(err) == apperr.KindInvalid {
		return bus.Permanent(err)
	}
	return err
}

// OnDeadline applies tuijin.deadline.escalated|overdue.<dept>. Levels below
// 约谈 on escalations are not meeting business and are acknowledged.
func OnDeadline(svc meeting.Agenda) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		t := d.Envelope.GetType()
		if t != event.TypeDeadlineEscalated && t != event.TypeDeadlineOverdue {
			return bus.Permanent(fmt.Errorf("event type %q on %s", t, d.Subject))
		}
		var ev deadlinev1.DeadlineEvent
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return bus.Permanent(err)
		}
		e := meeting.Escalation{Kind: ev.GetKind(), RefID: ev.GetRefId(), ProjectCode: ev.GetProjectCode(),
			Department: ev.GetDepartment(), DueAt: ev.GetDueAt().AsTime(), FiredAt: ev.GetFiredAt().AsTime()}
		switch {
		case t == event.TypeDeadlineEscalated && ev.GetLevel() == deadlinev1.Level_LEVEL_INTERVIEW:
			return settle(svc.Escalated(ctx, e))
		case t == event.TypeDeadlineOverdue && ev.GetLevel() == deadlinev1.Level_LEVEL_RED:
			return settle(svc.Overdue(ctx, e))
		}
		return nil
	}
}

// settledProblem are the problem statuses that take it off the agenda.
var settledProblem = map[string]bool{"resolved": true, "closed": true, "solved": true, "done": true}

// OnProblem applies tuijin.ledger.problem.raised|changed.<dept>.
func OnProblem(svc meeting.Agenda) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		switch t := d.Envelope.GetType(); t {
		case event.TypeProblemRaised:
			var ev ledgerv1.ProblemRaised
			if err := event.Payload(d.Envelope, &ev); err != nil {
				return bus.Permanent(err)
			}
			return settle(svc.ProblemRaised(ctx, meeting.ProblemCandidate(ev.GetProblemId(), ev.GetProjectCode(),
				ev.GetDepartment(), ev.GetTitle(), ev.GetDescription(), ev.GetRaisedAt().AsTime())))
		case event.TypeProblemChanged:
			var ev ledgerv1.ProblemChanged
			if err := event.Payload(d.Envelope, &ev); err != nil {
				return bus.Permanent(err)
			}
			if settledProblem[strings.ToLower(ev.GetStatus())] {
				return settle(svc.ProblemSettled(ctx, ev.GetProblemId()))
			}
			return nil
		default:
			return bus.Permanent(fmt.Errorf("event type %q on %s", t, d.Subject))
		}
	}
}
