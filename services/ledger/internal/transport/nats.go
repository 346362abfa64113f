package transport

import (
	"context"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// ProjectRegisteredConsumer opens a ledger for every registered project.
var ProjectRegisteredConsumer = bus.ConsumerSpec{
	Durable:  "ledger-project-registered",
	Subjects: []string{event.TypeProjectRegistered},
}

// OnProjectRegistered applies tuijin.intake.project.registered.
func OnProjectRegistered(svc ledger.Items) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev intakev1.ProjectRegistered
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		p := ev.GetProject()
		if p.GetCode() == "" {
			return bus.Permanent(errEmptyProject)
		}
		info := ledger.ProjectInfo{
			Code: p.GetCode(), Name: p.GetName(), Category: p.GetCategory(), Level: p.GetLevel(),
			OwnerOrganisation: p.GetOwnerOrganisation(), OwnerContact: p.GetOwnerContact(),
			OwnerPhone: p.GetOwnerPhone(), Location: p.GetLocation(), InvestmentWan: p.GetInvestmentWan(),
			Stage: p.GetStage(), Officer: p.GetOfficer(), WorkGroup: p.GetWorkGroup(), GreenChannel: p.GetGreenChannel(),
		}
		// The planned start (计划开工) the owner gave at registration: the
		// forecast is held against it from the first day.
		if plan := p.GetPlannedStart(); plan != "" {
			d, err := ledger.ParseDate("planned_start", plan)
			if err != nil {
				return bus.Permanent(err)
			}
			info.PlannedStart = &d
		}
		_, err := svc.OpenLedger(ctx, info)
		return err
	}
}

// RequestReceivedConsumer files every service request as a task of the
// project's officer.
var RequestReceivedConsumer = bus.ConsumerSpec{
	Durable:  "ledger-request-received",
	Subjects: []string{event.TypeRequestReceived},
}

// OnRequestReceived applies tuijin.intake.request.received.
func OnRequestReceived(svc ledger.Tasks) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev intakev1.RequestReceived
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetRequestId() == "" || ev.GetProjectCode() == "" {
			return bus.Permanent(errEmptyRequest)
		}
		// A request for a ledger not opened yet is retried: the project's
		// registration may still be on its way.
		return svc.FileRequest(ctx, ev.GetProjectCode(), ledger.NewTask{
			ID: ev.GetRequestId(), Kind: ev.GetKind(), Title: ev.GetTitle(), Description: ev.GetDescription(),
			Contact: ev.GetContact(), ReceivedAt: ev.GetReceivedAt().AsTime(),
		})
	}
}

// MeetingDecidedConsumer writes meetings' decisions on problems back to
// the problem ledger (解决举措).
var MeetingDecidedConsumer = bus.ConsumerSpec{
	Durable:  "ledger-meeting-decided",
	Subjects: []string{event.TypeMeetingDecided},
}

// OnMeetingDecided applies tuijin.meeting.decided; decisions on agenda
// entries that are not ledger problems (overdue items, manual entries)
// leave the ledger alone.
func OnMeetingDecided(svc ledger.Problems) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev meetingv1.MeetingDecided
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetProblemId() == "" {
			return nil
		}
		err := svc.RecordDecision(ctx, ledger.MeetingDecision{
			MeetingID: ev.GetMeetingId(), AgendaEntry: ev.GetAgendaEntryId(), ProblemID: ev.GetProblemId(),
			Outcome: ev.GetOutcome(), Text: ev.GetText(),
		})
		if e, ok := apperr.As(err); ok && e.Kind != apperr.KindInternal {
			// An unknown problem or a decision the ledger refuses will not
			// change on retry.
			return bus.Permanent(err)
		}
		return err
	}
}

type constError string

func (e constError) Error() string { return string(e) }

const (
	errEmptyProject = constError("project.registered without a project code")
	errEmptyRequest = constError("request.received without a request id or project code")
)

// DeadlineRecomputedConsumer keeps the items' due dates in step with the
// clock when a year's official arrangement arrives and the deadline service
// recounts the limits that ran into it.
var DeadlineRecomputedConsumer = bus.ConsumerSpec{
	Durable:  "ledger-deadline-recomputed",
	Subjects: []string{event.AllDepartments(event.TypeDeadlineRecomputed)},
}

// OnDeadlineRecomputed applies tuijin.deadline.recomputed.<dept> of items;
// the other clocks (problems, actions) are not the ledger's.
func OnDeadlineRecomputed(svc ledger.Items) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev deadlinev1.DeadlineEvent
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetKind() != "item" {
			return nil
		}
		if ev.GetRefId() == "" || ev.GetDueAt() == nil {
			return bus.Permanent(errIncompleteRecount)
		}
		err := svc.RecountDue(ctx, ledger.DueRecount{ItemID: ev.GetRefId(), Due: ev.GetDueAt().AsTime(),
			Note: ev.GetNote(), At: ev.GetFiredAt().AsTime()})
		if k := apperr.KindOf(err); k == apperr.KindInvalid {
			return bus.Permanent(err)
		}
		return err
	}
}

const errIncompleteRecount = constError("recomputed deadline without item or due date")

// SupplementMissedConsumer records owners who missed their 容缺 deadline.
var SupplementMissedConsumer = bus.ConsumerSpec{
	Durable:  "ledger-supplement-missed",
	Subjects: []string{event.AllDepartments(event.TypeSupplementMissed)},
}

// OnSupplementMissed applies tuijin.deadline.supplement.missed.<dept>: the
// item's timeline and its supplement record the owner's lateness; its
// status and due date stay.
func OnSupplementMissed(svc ledger.Items) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev deadlinev1.DeadlineEvent
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetKind() != "supplement" || ev.GetRefId() == "" || ev.GetDueAt() == nil || ev.GetFiredAt() == nil {
			return bus.Permanent(errIncompleteMiss)
		}
		err := svc.RecordSupplementMissed(ctx, ledger.SupplementMiss{ItemID: ev.GetRefId(), Due: ev.GetDueAt().AsTime(),
			At: ev.GetFiredAt().AsTime()})
		if k := apperr.KindOf(err); k == apperr.KindInvalid {
			return bus.Permanent(err)
		}
		return err
	}
}

const errIncompleteMiss = constError("supplement.missed without supplement kind, item, due date or time")
