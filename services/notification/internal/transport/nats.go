package transport

import (
	"context"
	"fmt"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// ItemAssignedConsumer tells every department about the items assigned to it.
var ItemAssignedConsumer = bus.ConsumerSpec{
	Durable:  "notification-item-assigned",
	Subjects: []string{event.AllDepartments(event.TypeItemAssigned)},
}

// OnItemAssigned applies tuijin.ledger.item.assigned.<dept>. An event no
// retry can deliver is dead-lettered; store failures are retried.
func OnItemAssigned(svc notification.Service) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		if t := d.Envelope.GetType(); t != event.TypeItemAssigned {
			return bus.Permanent(fmt.Errorf("event type %q on %s, want %s", t, d.Subject, event.TypeItemAssigned))
		}
		var ev ledgerv1.ItemAssigned
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return bus.Permanent(err)
		}
		err := svc.NotifyAssigned(ctx, notification.Assignment{
			EventID: d.Envelope.GetId(), ItemID: ev.GetItemId(), ItemType: ev.GetItemType(), ItemName: ev.GetItemName(),
			ProjectCode: ev.GetProjectCode(), ProjectName: ev.GetProjectName(), Department: ev.GetDepartment(),
			PromisedDays: int(ev.GetPromisedDays()), Immediate: ev.GetImmediate(), GreenChannel: ev.GetGreenChannel(),
		})
		if apperr.KindOf(err) == apperr.KindInvalid {
			return bus.Permanent(err)
		}
		return err
	}
}
