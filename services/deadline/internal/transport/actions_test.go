package transport

import (
	"context"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/event"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// action.changed over the real bus and store: done stops the action's
// clock (a done redelivered after a later reopen changes nothing), reopen
// runs it on with its due date, a confirmation changes nothing. A change
// that arrives before the action's clock exists waits for it.
func TestActionChangesStopAndReopenTheClock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	changed := func(from, to string, day int) {
		e.publish(event.TypeActionChanged, "zjj", &meetingv1.ActionChanged{ActionId: "act-2", MeetingId: "m-1",
			Department: "zjj", FromStatus: from, Status: to, ChangedAt: timestamppb.New(sh(2026, 11, day, 10))})
	}
	state := func(want deadline.State) func() bool {
		return func() bool { d, err := e.svc.Get(ctx, "action:act-2"); return err == nil && d.State == want }
	}
	changed("open", "done", 25)
	e.publish(event.TypeActionCreated, "zjj", &meetingv1.ActionCreated{ActionId: "act-2", MeetingId: "m-1",
		ProjectCode: "P1", Department: "zjj", Description: "三日内完成施工图审查", DueAt: timestamppb.New(sh(2026, 11, 28, 18))})
	eventually(t, "done stops the clock", state(deadline.StateStopped))
	created, _ := e.svc.Get(ctx, "action:act-2")
	if created.Outcome != "done" || created.NextLevel != "" {
		t.Fatalf("done action %+v, want stopped with no next step", created)
	}
	changed("done", "open", 26)
	eventually(t, "reopen runs it on", state(deadline.StateRunning))
	changed("open", "done", 25) // the old done, redelivered
	changed("done", "confirmed", 26)
	eventually(t, "all four changes handled", func() bool { return acked(t, e, ActionChangedConsumer.Durable) == 4 })
	d, _ := e.svc.Get(ctx, "action:act-2")
	if d.State != deadline.StateRunning || !d.DueAt.Equal(created.DueAt) || d.NextLevel == "" {
		t.Errorf("reopened action %+v, want it running to its due date %s with a next step", d, created.DueDate)
	}
}

// acked is how many messages consumer has settled with an ack.
func acked(t *testing.T, e *env, consumer string) float64 {
	t.Helper()
	fams, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "tuijin_bus_messages_handled_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["consumer"] == consumer && labels["outcome"] == "ack" {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
