package trail

import (
	"context"

	"github.com/tuijin/tuijin/pkg/audit"
	"github.com/tuijin/tuijin/pkg/bus"
)

// Consumer wraps h so that each event it handles is recorded: who caused it
// (the envelope's actor, else the producing service), which event, about
// what, and whether it was applied, refused for good (dead-lettered) or
// failed for a retry.
func (t *Trail) Consumer(durable string, h bus.Handler) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		ctx = audit.WithNotes(ctx)
		err := h(ctx, d)
		env := d.Envelope
		e := audit.Entry{Action: "consume " + env.GetType(), Detail: durable, Event: env.GetId(), Outcome: audit.OK}
		e.Actor = env.GetActor()
		if e.Actor == "" {
			e.Actor = "service:" + env.GetProducer()
		}
		if ref := env.GetSubject(); ref != nil {
			e.Target = ref.GetKind() + "/" + ref.GetId()
			if ref.GetKind() == "project" {
				e.Project = ref.GetId()
			}
		}
		if project, detail := audit.Notes(ctx); project != "" || detail != "" {
			if project != "" {
				e.Project = project
			}
			if detail != "" {
				e.Detail = durable + ": " + detail
			}
		}
		switch {
		case err == nil:
		case bus.IsPermanent(err):
			e.Outcome = audit.Refused
			e.Detail += ": " + err.Error()
		default:
			e.Outcome = audit.Failed
		}
		t.Record(ctx, e)
		return err
	}
}
