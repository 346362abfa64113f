package transport

import (
	"context"
	"errors"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// TaskChangedConsumer follows the officer's steps on each service request,
// so that the owner reads where it stands from intake alone.
var TaskChangedConsumer = bus.ConsumerSpec{
	Durable:  "intake-task-changed",
	Subjects: []string{event.TypeTaskChanged},
}

// OnTaskChanged applies tuijin.ledger.task.changed. A step no retry can
// apply (an unknown status, a request this intake never took in) is
// permanent.
func OnTaskChanged(svc intake.Requests) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev ledgerv1.TaskChanged
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		err := svc.FollowTask(ctx, intake.TaskStep{RequestID: ev.GetTaskId(), Status: ev.GetToStatus(),
			Actor: ev.GetActor(), Note: ev.GetNote(), At: ev.GetChangedAt().AsTime(), Satisfaction: int(ev.GetSatisfaction())})
		if errors.Is(err, intake.ErrUnknownStatus) || apperr.KindOf(err) == apperr.KindNotFound {
			return bus.Permanent(err)
		}
		return err
	}
}

// ProjectChangedConsumer follows the projects' stages as the ledger moves
// them (谋划 → 储备 → 审批 → 开工 …).
var ProjectChangedConsumer = bus.ConsumerSpec{
	Durable:  "intake-project-changed",
	Subjects: []string{event.TypeProjectChanged},
}

// OnProjectChanged applies tuijin.ledger.project.changed.
func OnProjectChanged(svc intake.Projects) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		var ev ledgerv1.ProjectChanged
		if err := event.Payload(d.Envelope, &ev); err != nil {
			return err
		}
		if ev.GetToStage() == "" || ev.GetToStage() == ev.GetFromStage() {
			return nil // only the 形象进度 changed
		}
		err := svc.FollowStage(ctx, ev.GetProjectCode(), ev.GetToStage())
		if errors.Is(err, intake.ErrUnknownStatus) || apperr.KindOf(err) == apperr.KindNotFound {
			return bus.Permanent(err)
		}
		return err
	}
}
