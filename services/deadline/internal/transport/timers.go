package transport

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// TypeTimerFired is the envelope type of a fired timer (internal to the
// service, on bus.TimerFiredSubject).
const TypeTimerFired = "tuijin.timers.fired"

// Timers implements deadline.Timers on the JetStream message scheduler.
type Timers struct {
	sched  *bus.Scheduler
	clock  clock.Clock
	spread time.Duration
}

// NewTimers returns the timers over sched. Steps fall due at midnights, and
// many deadlines share one; spread staggers each deadline's timers over
// that much time after the instant (by a hash of its id), so that a mass
// of them does not reach the scheduler at once (100,000 at one instant
// stall the stream for seconds). clk is the service's clock: a timer due
// at t by it fires at the wall time t corresponds to (the clock may be
// shifted for a drill).
func NewTimers(sched *bus.Scheduler, clk clock.Clock, spread time.Duration) *Timers {
	return &Timers{sched: sched, clock: clk, spread: spread}
}

// Schedule implements deadline.Timers.
func (t *Timers) Schedule(ctx context.Context, tm deadline.Timer) error {
	data, err := encodeTimer(ctx, tm, t.clock.Now())
	if err != nil {
		return err
	}
	return t.sched.Schedule(ctx, tm.DeadlineID, t.wallTime(tm), "", data)
}

// ScheduleAsync is Schedule without waiting for the server (bulk loads).
func (t *Timers) ScheduleAsync(ctx context.Context, tm deadline.Timer) error {
	data, err := encodeTimer(ctx, tm, t.clock.Now())
	if err != nil {
		return err
	}
	_, err = t.sched.ScheduleAsync(tm.DeadlineID, t.wallTime(tm), "", data)
	return err
}

// wallTime is the wall-clock instant the timer fires at.
func (t *Timers) wallTime(tm deadline.Timer) time.Time {
	ahead := tm.At.Sub(t.clock.Now())
	at := time.Now().Add(ahead)
	if t.spread > 0 && ahead > 0 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(tm.DeadlineID))
		at = at.Add(time.Duration(h.Sum64() % uint64(t.spread)))
	}
	return at
}

// Cancel implements deadline.Timers.
func (t *Timers) Cancel(ctx context.Context, id string) error { return t.sched.Cancel(ctx, id) }

// Pending implements deadline.Timers.
func (t *Timers) Pending(ctx context.Context) (map[string]bool, error) { return t.sched.Pending(ctx) }

func encodeTimer(ctx context.Context, tm deadline.Timer, now time.Time) ([]byte, error) {
	lv, ok := deadline.ProtoLevel(tm.Level)
	if !ok {
		return nil, fmt.Errorf("timer of %s: no step %q", tm.DeadlineID, tm.Level)
	}
	pb := &deadlinev1.Timer{DeadlineId: tm.DeadlineID, Version: tm.Version, Round: int32(tm.Round), Level: lv,
		StepDueAt: timestamppb.New(tm.At), RegisterRevision: tm.Rev}
	if d := tm.Snapshot; d != nil {
		cur, _ := deadline.ProtoLevel(d.Level) // green: unspecified
		pb.Snapshot = &deadlinev1.TimerSnapshot{Kind: d.Kind, RefId: d.RefID, ProjectCode: d.ProjectCode,
			ProjectName: d.ProjectName, Title: d.Title, Department: d.Department, DueAt: timestamppb.New(d.DueAt),
			DueDate: d.DueDate, Provisional: d.Provisional, Level: cur}
	}
	env, err := event.New(TypeTimerFired, deadline.Producer, event.Ref("deadline", tm.DeadlineID), now, pb)
	if err != nil {
		return nil, err
	}
	m, err := event.Encode(ctx, bus.TimerFiredSubject, env)
	if err != nil {
		return nil, err
	}
	return m.Data, nil
}

// TimerFiredConsumer acts on fired timers; replicas and workers share it.
var TimerFiredConsumer = bus.ConsumerSpec{
	Durable:  "deadline-timer-fired",
	Stream:   bus.TimersStream,
	Subjects: []string{bus.TimerFiredSubject},
	// Pulled ahead in large batches: a burst of timers due at one instant
	// reaches the handlers by pull requests of at most Batch messages, and
	// fewer, larger pulls bring it there sooner (make bench-deadline with
	// TUIJIN_BENCH_TIMERS=20000, back to back on one machine: lag p99
	// 2.0 s with 256, 1.6 s with 1024). A message pulled but not yet
	// handed to a worker when the replica stops is redelivered after
	// AckWait, as any other.
	Batch: 1024,
	// A fire's worker is free once its event is out (Delivery.Later); the
	// fire stays in hand until its record, batched behind the database's
	// writes, and its next timer are done. Up to this many: a burst of
	// 10,000 at one instant is held whole.
	Workers: 256,
	InHand:  20_000,
	// A fire is acked once its step is recorded, and records go in batches
	// behind the database's writes: a burst queued behind them must not be
	// redelivered meanwhile. A fire redelivered (after this wait, or after
	// a crash) publishes its event again under the same id, which the
	// events stream drops only within its duplicate window: the window
	// (bus.DuplicateWindow, 1 h) must outlast the longest time from a
	// fire's first publish to its last redelivery, MaxDeliver deliveries
	// of at most AckWait each plus the backoff between them (5 × 2 min +
	// about 1 min here). TestTimerWindowOutlastsRedeliveries holds them so.
	AckWait: 2 * time.Minute,
}

var errBadTimer = errors.New("fired timer without deadline id, version, round, step or due instant")

// OnTimerFired applies a fired timer: the service emits the step if it
// still matches the deadline, and m observes what was emitted.
func OnTimerFired(svc deadline.Service, m *FiringMetrics) bus.Handler {
	return func(ctx context.Context, d bus.Delivery) error {
		if d.Envelope.GetType() != TypeTimerFired {
			return bus.Permanent(fmt.Errorf("%w: type %q", errBadTimer, d.Envelope.GetType()))
		}
		pb, err := bus.PayloadAs[deadlinev1.Timer](d)
		if err != nil {
			return err
		}
		lv, ok := deadline.LevelOfProto(pb.GetLevel())
		if pb.GetDeadlineId() == "" || pb.GetVersion() < 1 || pb.GetRound() < 1 || !ok || pb.GetStepDueAt() == nil {
			return bus.Permanent(errBadTimer)
		}
		// The fire's record goes in a batch behind the database's writes:
		// the message is settled once it is written, and the worker is
		// free for the next fire meanwhile.
		settle := d.Later()
		svc.Fire(ctx, deadline.Timer{DeadlineID: pb.GetDeadlineId(), Version: pb.GetVersion(),
			Round: int(pb.GetRound()), Level: lv, At: pb.GetStepDueAt().AsTime(), Snapshot: snapshotOf(pb.GetSnapshot()),
			Rev: pb.GetRegisterRevision()}, func(fired *deadline.Fired, err error) {
			if fired != nil && m != nil {
				m.Observe(*fired)
			}
			if errors.Is(err, deadline.ErrClaimed) {
				// Another delivery of this timer (a duplicate, another
				// replica) is in the middle of it: expected, not a fault.
				err = bus.Contended(err)
			}
			settle(err)
		})
		return nil
	}
}

// snapshotOf is the deadline a timer carries; nil for one set by an older
// release, or one without the department its event goes to (the service
// then reads the deadline).
func snapshotOf(pb *deadlinev1.TimerSnapshot) *deadline.Deadline {
	if pb == nil || pb.GetDepartment() == "" || pb.GetDueAt() == nil {
		return nil
	}
	lv, ok := deadline.LevelOfProto(pb.GetLevel())
	if !ok {
		lv = deadline.LevelGreen
	}
	return &deadline.Deadline{Kind: pb.GetKind(), RefID: pb.GetRefId(), ProjectCode: pb.GetProjectCode(),
		ProjectName: pb.GetProjectName(), Title: pb.GetTitle(), Department: pb.GetDepartment(),
		DueAt: pb.GetDueAt().AsTime(), DueDate: pb.GetDueDate(), Provisional: pb.GetProvisional(), Level: lv}
}

// RunSweep reconciles the pending timers with the deadlines at start and
// then every interval until ctx is done.
func RunSweep(ctx context.Context, svc deadline.Service, interval time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		start := time.Now()
		n, err := svc.Reconcile(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Warn("timer sweep failed", "err", err)
		case n > 0:
			log.Info("timer sweep re-created timers", "count", n, "took", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
