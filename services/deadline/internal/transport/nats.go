package transport

import (
	"context"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// ItemAssignedConsumer starts the clock of every assigned item.
var ItemAssignedConsumer = bus.ConsumerSpec{
	Durable:  "deadline-item-assigned",
	Subjects: []string{event.AllDepartments(event.TypeItemAssigned)},
}

// OnItemAssigned applies tuijin.ledger.item.assigned.<dept>.
func OnItemAssigned(svc deadline.Service) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev ledgerv1.ItemAssigned
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetItemId() == "" || ev.GetAssignedAt() == nil {
			return bus.Permanent(errIncomplete)
		}
		_, err := svc.StartItem(ctx, deadline.ItemAssignment{
			ItemID: ev.GetItemId(), ItemName: ev.GetItemName(), ProjectCode: ev.GetProjectCode(),
			ProjectName: ev.GetProjectName(), Department: ev.GetDepartment(),
			AssignedAt: ev.GetAssignedAt().AsTime(), PromisedDays: int(ev.GetPromisedDays()), Immediate: ev.GetImmediate(),
		})
		return err
	}
}

type constError string

func (e constError) Error() string { return string(e) }

const errIncomplete = constError("item.assigned without item id or assignment time")
