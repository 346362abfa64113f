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

type constError string

func (e constError) Error() string { return string(e) }

const errEmptyProject = constError("project.registered without a project code")
