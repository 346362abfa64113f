package transport

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Consumer is a durable consumer with its handler.
type Consumer struct {
	Spec    bus.ConsumerSpec
	Handler bus.Handler
}

// Consumers are every trigger notification listens to, one durable each,
// named after what it consumes.
func Consumers(svc notification.Notifier) []Consumer {
	return []Consumer{
		{bus.ConsumerSpec{Durable: "notification-item-assigned", Subjects: []string{event.AllDepartments(event.TypeItemAssigned)}},
			handle([]string{event.TypeItemAssigned}, func() *ledgerv1.ItemAssigned { return &ledgerv1.ItemAssigned{} },
				func(ctx context.Context, d bus.Delivery, ev *ledgerv1.ItemAssigned) error {
					return svc.NotifyAssigned(ctx, notification.Assignment{
						EventID: d.Envelope.GetId(), ItemID: ev.GetItemId(), ItemType: ev.GetItemType(), ItemName: ev.GetItemName(),
						ProjectCode: ev.GetProjectCode(), ProjectName: ev.GetProjectName(), Department: ev.GetDepartment(),
						PromisedDays: int(ev.GetPromisedDays()), Immediate: ev.GetImmediate(), GreenChannel: ev.GetGreenChannel(),
						Officer: ev.GetOfficer(),
					})
				})},
		{bus.ConsumerSpec{Durable: "notification-item-changed", Subjects: []string{event.AllDepartments(event.TypeItemChanged)}},
			handle([]string{event.TypeItemChanged}, func() *ledgerv1.ItemChanged { return &ledgerv1.ItemChanged{} },
				func(ctx context.Context, d bus.Delivery, ev *ledgerv1.ItemChanged) error {
					return svc.NotifyChanged(ctx, notification.ItemChange{
						EventID: d.Envelope.GetId(), ItemID: ev.GetItemId(), ItemType: ev.GetItemType(),
						ProjectCode: ev.GetProjectCode(), Department: ev.GetDepartment(),
						FromStatus: ev.GetFromStatus(), ToStatus: ev.GetToStatus(), Note: ev.GetNote(),
						ChangedAt: changedAt(ev),
					})
				})},
		{bus.ConsumerSpec{Durable: "notification-project-registered", Subjects: []string{event.TypeProjectRegistered}},
			handle([]string{event.TypeProjectRegistered}, func() *intakev1.ProjectRegistered { return &intakev1.ProjectRegistered{} },
				func(ctx context.Context, _ bus.Delivery, ev *intakev1.ProjectRegistered) error {
					p := ev.GetProject()
					return svc.RememberProject(ctx, notification.Project{Code: p.GetCode(), Name: p.GetName(),
						OwnerOrganisation: p.GetOwnerOrganisation(), OwnerContact: p.GetOwnerContact(),
						OwnerPhone: p.GetOwnerPhone(), Officer: p.GetOfficer()})
				})},
		{bus.ConsumerSpec{Durable: "notification-task-changed", Subjects: []string{event.TypeTaskChanged}},
			handle([]string{event.TypeTaskChanged}, func() *ledgerv1.TaskChanged { return &ledgerv1.TaskChanged{} },
				func(ctx context.Context, d bus.Delivery, ev *ledgerv1.TaskChanged) error {
					return svc.NotifyTask(ctx, notification.TaskStep{EventID: d.Envelope.GetId(), RequestID: ev.GetTaskId(),
						ProjectCode: ev.GetProjectCode(), Status: ev.GetToStatus(), Note: ev.GetNote()})
				})},
		{bus.ConsumerSpec{Durable: "notification-request-received", Subjects: []string{event.TypeRequestReceived}},
			handle([]string{event.TypeRequestReceived}, func() *intakev1.RequestReceived { return &intakev1.RequestReceived{} },
				func(ctx context.Context, d bus.Delivery, ev *intakev1.RequestReceived) error {
					return svc.NotifyRequest(ctx, notification.RequestAck{EventID: d.Envelope.GetId(), RequestID: ev.GetRequestId(),
						ProjectCode: ev.GetProjectCode(), Title: ev.GetTitle(), Contact: ev.GetContact(), Phone: ev.GetPhone()})
				})},
		{bus.ConsumerSpec{Durable: "notification-deadline", Subjects: []string{
			event.AllDepartments(event.TypeDeadlineWarning), event.AllDepartments(event.TypeDeadlineOverdue),
			event.AllDepartments(event.TypeDeadlineEscalated)}},
			handle([]string{event.TypeDeadlineWarning, event.TypeDeadlineOverdue, event.TypeDeadlineEscalated},
				func() *deadlinev1.DeadlineEvent { return &deadlinev1.DeadlineEvent{} },
				func(ctx context.Context, d bus.Delivery, ev *deadlinev1.DeadlineEvent) error {
					return svc.NotifyDeadline(ctx, notification.DeadlineAlert{EventID: d.Envelope.GetId(), EventType: d.Envelope.GetType(),
						Kind: ev.GetKind(), RefID: ev.GetRefId(), ProjectCode: ev.GetProjectCode(), Department: ev.GetDepartment(),
						Level: int(ev.GetLevel()), DueAt: ev.GetDueAt().AsTime()})
				})},
		followUpConsumer("notification-supplement", event.AllSupplementEvents, svc,
			event.TypeSupplementWarning, event.TypeSupplementMissed),
		followUpConsumer("notification-check", event.AllCheckEvents, svc, event.TypeCheckWarning, event.TypeCheckDue),
		{bus.ConsumerSpec{Durable: "notification-meeting-scheduled", Subjects: []string{event.TypeMeetingScheduled}},
			handle([]string{event.TypeMeetingScheduled}, func() *meetingv1.MeetingScheduled { return &meetingv1.MeetingScheduled{} },
				func(ctx context.Context, d bus.Delivery, ev *meetingv1.MeetingScheduled) error {
					return svc.NotifyMeeting(ctx, notification.MeetingInvite{EventID: d.Envelope.GetId(), MeetingID: ev.GetMeetingId(),
						Kind: ev.GetKind(), Title: ev.GetTitle(), StartsAt: ev.GetStartsAt().AsTime(), Location: ev.GetLocation(),
						Attendees: ev.GetAttendees(), Agenda: ev.GetAgenda(), Status: ev.GetStatus(), Reason: ev.GetReason()})
				})},
		{bus.ConsumerSpec{Durable: "notification-action-created", Subjects: []string{event.AllDepartments(event.TypeActionCreated)}},
			handle([]string{event.TypeActionCreated}, func() *meetingv1.ActionCreated { return &meetingv1.ActionCreated{} },
				func(ctx context.Context, d bus.Delivery, ev *meetingv1.ActionCreated) error {
					return svc.NotifyAction(ctx, notification.ActionAssigned{EventID: d.Envelope.GetId(), ActionID: ev.GetActionId(),
						MeetingID: ev.GetMeetingId(), ProjectCode: ev.GetProjectCode(), Department: ev.GetDepartment(),
						Description: ev.GetDescription(), DueAt: ev.GetDueAt().AsTime()})
				})},
		{bus.ConsumerSpec{Durable: "notification-action-changed", Subjects: []string{event.AllDepartments(event.TypeActionChanged)}},
			handle([]string{event.TypeActionChanged}, func() *meetingv1.ActionChanged { return &meetingv1.ActionChanged{} },
				func(ctx context.Context, d bus.Delivery, ev *meetingv1.ActionChanged) error {
					return svc.NotifyActionChanged(ctx, notification.ActionChange{EventID: d.Envelope.GetId(), ActionID: ev.GetActionId(),
						MeetingID: ev.GetMeetingId(), ProjectCode: ev.GetProjectCode(), Department: ev.GetDepartment(),
						Description: ev.GetDescription(), DueAt: ev.GetDueAt().AsTime(), Change: ev.GetChange(),
						Actor: ev.GetActor(), Note: ev.GetNote()})
				})},
	}
}

// followUpConsumer tells the department and the officer of a follow-up
// clock's events (容缺 materials, 告知承诺 check) on subject.
func followUpConsumer(durable, subject string, svc notification.Notifier, types ...string) Consumer {
	return Consumer{bus.ConsumerSpec{Durable: durable, Subjects: []string{subject}},
		handle(types, func() *deadlinev1.DeadlineEvent { return &deadlinev1.DeadlineEvent{} },
			func(ctx context.Context, d bus.Delivery, ev *deadlinev1.DeadlineEvent) error {
				return svc.NotifyDeadline(ctx, notification.DeadlineAlert{EventID: d.Envelope.GetId(), EventType: d.Envelope.GetType(),
					Kind: ev.GetKind(), RefID: ev.GetRefId(), ProjectCode: ev.GetProjectCode(), Department: ev.GetDepartment(),
					Level: int(ev.GetLevel()), DueAt: ev.GetDueAt().AsTime(), Title: ev.GetTitle(), ProjectName: ev.GetProjectName()})
			})}
}

// handle decodes the payload of one of types into a fresh message and
// applies it. An event no retry can deliver is dead-lettered; store and
// template failures are retried.
func handle[M proto.Message](types []string, fresh func() M, apply func(context.Context, bus.Delivery, M) error) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		t := d.Envelope.GetType()
		known := false
		for _, want := range types {
			known = known || t == want
		}
		if !known {
			return bus.Permanent(fmt.Errorf("event type %q on %s, want one of %v", t, d.Subject, types))
		}
		ev := fresh()
		if err := event.Payload(d.Envelope, ev); err != nil {
			return bus.Permanent(err)
		}
		err := apply(ctx, d, ev)
		if apperr.KindOf(err) == apperr.KindInvalid {
			return bus.Permanent(err)
		}
		return err
	}
}

func changedAt(ev *ledgerv1.ItemChanged) time.Time {
	if ev.GetChangedAt() == nil {
		return time.Time{}
	}
	return ev.GetChangedAt().AsTime()
}
