package transport

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// ItemAssignedConsumer starts the clock of every assigned item.
var ItemAssignedConsumer = bus.ConsumerSpec{
	Durable:  "deadline-item-assigned",
	Subjects: []string{event.AllDepartments(event.TypeItemAssigned)},
}

// ItemChangedConsumer pauses, resumes, re-bases and stops item clocks.
var ItemChangedConsumer = bus.ConsumerSpec{
	Durable:  "deadline-item-changed",
	Subjects: []string{event.AllDepartments(event.TypeItemChanged)},
}

// ProblemRaisedConsumer starts the clock of every raised problem.
var ProblemRaisedConsumer = bus.ConsumerSpec{
	Durable:  "deadline-problem-raised",
	Subjects: []string{event.AllDepartments(event.TypeProblemRaised)},
}

// ProblemChangedConsumer stops the clock of resolved problems.
var ProblemChangedConsumer = bus.ConsumerSpec{
	Durable:  "deadline-problem-changed",
	Subjects: []string{event.AllDepartments(event.TypeProblemChanged)},
}

// OnProblemRaised applies tuijin.ledger.problem.raised.<dept>: the
// department must solve the problem within days working days.
func OnProblemRaised(svc deadline.Service, days int) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev ledgerv1.ProblemRaised
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetProblemId() == "" || ev.GetRaisedAt() == nil || ev.GetDepartment() == "" {
			return bus.Permanent(errIncompleteProblem)
		}
		_, err := svc.StartProblem(ctx, deadline.ProblemRaise{ProblemID: ev.GetProblemId(),
			ProjectCode: ev.GetProjectCode(), Department: ev.GetDepartment(), Title: ev.GetTitle(),
			RaisedAt: ev.GetRaisedAt().AsTime(), Days: days})
		return err
	}
}

// OnProblemChanged applies tuijin.ledger.problem.changed.<dept>: a resolved
// problem's clock stops; other changes leave it running.
func OnProblemChanged(svc deadline.Service) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev ledgerv1.ProblemChanged
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetStatus() != "resolved" {
			return nil
		}
		if ev.GetProblemId() == "" || ev.GetChangedAt() == nil {
			return bus.Permanent(errIncompleteProblem)
		}
		_, err := svc.ChangeProblem(ctx, ev.GetProblemId(), ev.GetStatus(), ev.GetChangedAt().AsTime())
		return err
	}
}

// ActionCreatedConsumer starts the clock of every meeting action item.
var ActionCreatedConsumer = bus.ConsumerSpec{
	Durable:  "deadline-action-created",
	Subjects: []string{event.AllDepartments(event.TypeActionCreated)},
}

// OnActionCreated applies tuijin.meeting.action.created.<dept>.
func OnActionCreated(svc deadline.Service) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev meetingv1.ActionCreated
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetActionId() == "" || ev.GetDueAt() == nil || ev.GetDepartment() == "" {
			return bus.Permanent(errIncompleteAction)
		}
		_, err := svc.StartAction(ctx, deadline.ActionItem{ActionID: ev.GetActionId(), ProjectCode: ev.GetProjectCode(),
			Department: ev.GetDepartment(), Title: ev.GetDescription(), CreatedAt: d.Envelope.GetTime().AsTime(),
			DueBy: ev.GetDueAt().AsTime()})
		return err
	}
}

// ActionChangedConsumer stops and reopens the clocks of meeting action items.
var ActionChangedConsumer = bus.ConsumerSpec{
	Durable:  "deadline-action-changed",
	Subjects: []string{event.AllDepartments(event.TypeActionChanged)},
}

// OnActionChanged applies tuijin.meeting.action.changed.<dept>: an action
// reported done stops its clock (and its ladder), a reopened one runs on. A
// change whose action.created has not been applied yet (separate consumers)
// is retried until it has.
func OnActionChanged(clk deadline.ActionClock) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev meetingv1.ActionChanged
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetActionId() == "" || ev.GetChangedAt() == nil {
			return bus.Permanent(errIncompleteActionChange)
		}
		kind := deadline.ClassifyActionChange(ev.GetFromStatus(), ev.GetStatus())
		if kind == deadline.ChangeNone {
			return nil
		}
		_, err := clk.ChangeAction(ctx, ev.GetActionId(), deadline.Change{Kind: kind, At: ev.GetChangedAt().AsTime(),
			Outcome: ev.GetStatus()})
		return err
	}
}

// OnItemAssigned applies tuijin.ledger.item.assigned.<dept>.
func OnItemAssigned(svc deadline.Service) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev ledgerv1.ItemAssigned
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetItemId() == "" || ev.GetAssignedAt() == nil || ev.GetDepartment() == "" {
			return bus.Permanent(errIncomplete)
		}
		_, err := svc.StartItem(ctx, deadline.ItemAssignment{
			ItemID: ev.GetItemId(), ItemName: ev.GetItemName(), ProjectCode: ev.GetProjectCode(),
			ProjectName: ev.GetProjectName(), Department: ev.GetDepartment(),
			AssignedAt: ev.GetAssignedAt().AsTime(), PromisedDays: int(ev.GetPromisedDays()),
			Immediate: ev.GetImmediate(), GreenChannel: ev.GetGreenChannel(),
		})
		if apperr.KindOf(err) == apperr.KindInvalid {
			return bus.Permanent(err) // no redelivery makes it runnable
		}
		return err
	}
}

// OnItemChanged applies tuijin.ledger.item.changed.<dept> to the item's
// clock and to its follow-up clocks (容缺 materials, 告知承诺 check). A
// change of an item whose assignment has not been applied yet (the two
// arrive on separate consumers) is retried until it has.
func OnItemChanged(svc deadline.Service, follow deadline.FollowUps) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev ledgerv1.ItemChanged
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetItemId() == "" || ev.GetChangedAt() == nil {
			return bus.Permanent(errIncompleteChange)
		}
		if kind := deadline.ClassifyItemChange(ev.GetFromStatus(), ev.GetToStatus(), ev.GetAction()); kind != deadline.ChangeNone {
			// deadline.ErrNotFound is retried with backoff like any other
			// error: the assignment is on its way.
			_, err := svc.ChangeItem(ctx, ev.GetItemId(), deadline.Change{
				Kind: kind, At: ev.GetChangedAt().AsTime(), Outcome: ev.GetToStatus(), Reason: ev.GetToStatus(),
				Late: ev.GetAcceptedLate()})
			if err != nil {
				return err
			}
		}
		err := follow.FollowItem(ctx, toFollowUpChange(&ev))
		if apperr.KindOf(err) == apperr.KindInvalid {
			return bus.Permanent(err) // no redelivery makes it runnable
		}
		return err
	}
}

func toFollowUpChange(ev *ledgerv1.ItemChanged) deadline.ItemFollowUpChange {
	return deadline.ItemFollowUpChange{ItemID: ev.GetItemId(), ItemName: ev.GetItemName(),
		ProjectCode: ev.GetProjectCode(), ProjectName: ev.GetProjectName(), Department: ev.GetDepartment(),
		Action: ev.GetAction(), From: ev.GetFromStatus(), To: ev.GetToStatus(), Mode: ev.GetMode(),
		SupplementDue: at(ev.GetSupplementDue()), CheckDue: at(ev.GetCheckDue()), CheckResult: ev.GetCheckResult(),
		At: ev.GetChangedAt().AsTime()}
}

// at is ts, or zero when it is unset.
func at(ts *timestamppb.Timestamp) time.Time {
	if !ts.IsValid() {
		return time.Time{}
	}
	return ts.AsTime()
}

type constError string

func (e constError) Error() string { return string(e) }

const (
	errIncomplete        = constError("item.assigned without item id, department or assignment time")
	errIncompleteChange  = constError("item.changed without item id or change time")
	errIncompleteProblem = constError("problem event without problem id, department or time")
	errIncompleteAction  = constError("action.created without action id, department or due date")

	errIncompleteActionChange = constError("action.changed without action id or change time")
)
