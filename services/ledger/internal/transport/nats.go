package transport

import (
	"context"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// ProjectRegisteredConsumer opens a ledger for every registered project.
var ProjectRegisteredConsumer = bus.ConsumerSpec{
	Durable:  "ledger-project-registered",
	Subjects: []string{event.TypeProjectRegistered},
}

// OnProjectRegistered applies tuijin.intake.project.registered.
func OnProjectRegistered(svc ledger.Service) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev intakev1.ProjectRegistered
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		p := ev.GetProject()
		if p.GetCode() == "" {
			return bus.Permanent(errEmptyProject)
		}
		return svc.OpenLedger(ctx, ledger.ProjectInfo{
			Code: p.GetCode(), Name: p.GetName(), Category: p.GetCategory(), Level: p.GetLevel(),
			OwnerOrganisation: p.GetOwnerOrganisation(), OwnerContact: p.GetOwnerContact(),
			OwnerPhone: p.GetOwnerPhone(), Location: p.GetLocation(), InvestmentWan: p.GetInvestmentWan(),
			Stage: p.GetStage(), Officer: p.GetOfficer(), WorkGroup: p.GetWorkGroup(), GreenChannel: p.GetGreenChannel(),
		})
	}
}

// RequestReceivedConsumer files every service request as a task of the
// project's officer.
var RequestReceivedConsumer = bus.ConsumerSpec{
	Durable:  "ledger-request-received",
	Subjects: []string{event.TypeRequestReceived},
}

// OnRequestReceived applies tuijin.intake.request.received.
func OnRequestReceived(svc ledger.Service) bus.Handler {
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

type constError string

func (e constError) Error() string { return string(e) }

const (
	errEmptyProject = constError("project.registered without a project code")
	errEmptyRequest = constError("request.received without a request id or project code")
)
