package deadline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/workday"
)

// Publisher is what the engine needs of the bus.
type Publisher interface {
	Publish(ctx context.Context, m event.Message) error
}

// EngineConfig tunes the firing engine.
type EngineConfig struct {
	// Owner names this replica in claims.
	Owner string
	// Lease is how long a claim holds; a replica that dies holding one
	// delays that timer by at most this long. It must stay well below the
	// stream's duplicate window, which deduplicates the republish.
	Lease time.Duration
	// Batch is how many due timers one pass takes; Workers fire them in
	// parallel.
	Batch, Workers int
	// OnFired observes each emitted step: its level, department and lag
	// (emission minus the step's due instant).
	OnFired func(l Level, department string, lag time.Duration)
}

// Engine fires due timers: for each it emits the step's event once and
// schedules the next step. Several engines (replicas) may run over the same
// stores: a timer is fired by whoever claims it.
type Engine struct {
	deadlines Store
	levels    LevelStore
	timers    TimerStore
	pub       Publisher
	cal       workday.Calendar
	policy    Policy
	clock     clock.Clock
	cfg       EngineConfig
	log       *slog.Logger
}

// NewEngine returns an engine over the stores.
func NewEngine(deadlines Store, levels LevelStore, timers TimerStore, pub Publisher, cal workday.Calendar,
	p Policy, c clock.Clock, cfg EngineConfig, log *slog.Logger) *Engine {
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.OnFired == nil {
		cfg.OnFired = func(Level, string, time.Duration) {}
	}
	return &Engine{deadlines: deadlines, levels: levels, timers: timers, pub: pub, cal: cal, policy: p,
		clock: c, cfg: cfg, log: log}
}

// Tick fires the timers due now, one batch, and returns how many of them
// this engine claimed (and fired, or found stale); timers another replica
// holds are not counted.
func (e *Engine) Tick(ctx context.Context) (int, error) {
	due, err := e.timers.Due(ctx, e.clock.Now(), e.cfg.Batch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	work := make(chan Timer)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		claimed int
	)
	for range min(e.cfg.Workers, len(due)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				ok, err := e.Fire(ctx, t)
				mu.Lock()
				if ok {
					claimed++
				}
				if err != nil {
					first = errors.Join(first, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, t := range due {
		work <- t
	}
	close(work)
	wg.Wait()
	return claimed, first
}

// Run ticks every interval until ctx is done; while batches come full it
// goes on without waiting.
func (e *Engine) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := e.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Warn("timer tick failed", "err", err)
		}
		if n > 0 && err == nil {
			continue // there may be more due: no wait between batches
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Fire claims t and, if this engine won it, emits its step once and
// schedules the next. Every step is safe to repeat after a crash: the event
// id is deterministic, raising a level is idempotent, scheduling the next
// step is idempotent, and the timer is completed last.
//
// It reports whether this engine claimed t.
func (e *Engine) Fire(ctx context.Context, t Timer) (bool, error) {
	ok, err := e.timers.Claim(ctx, t, e.cfg.Owner, e.clock.Now(), e.cfg.Lease)
	if err != nil || !ok {
		return false, err
	}
	if err := e.fire(ctx, t); err != nil {
		// Left claimed: the lease runs out and a replica tries again.
		return true, fmt.Errorf("fire %s %s: %w", t.DeadlineID, t.Level, err)
	}
	return true, e.timers.Complete(ctx, t)
}

func (e *Engine) fire(ctx context.Context, t Timer) error {
	d, err := e.deadlines.Get(ctx, t.DeadlineID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.State == StateStopped {
		return e.levels.Clear(ctx, d.ID)
	}
	if d.State != StateRunning || d.Gen != t.Gen {
		return nil // stale: the lifecycle scheduled (or will schedule) the current generation
	}
	fired, err := e.levels.Level(ctx, d.ID)
	if err != nil {
		return err
	}
	if fired.Rank() < t.Level.Rank() {
		now := e.clock.Now()
		msg, err := StepEvent(ctx, e.cal, d, Step{Level: t.Level, At: t.At}, now)
		if err != nil {
			return err
		}
		if err := e.pub.Publish(ctx, msg); err != nil {
			return err
		}
		if err := e.levels.Raise(ctx, d, t.Level); err != nil {
			return err
		}
		e.cfg.OnFired(t.Level, d.Department, now.Sub(t.At))
		fired = t.Level
	}
	// The lifecycle may have moved on while this step fired: a stop clears
	// the level it clears before this raise could land, so look again.
	d, err = e.deadlines.Get(ctx, t.DeadlineID)
	if err != nil {
		return err
	}
	if d.State == StateStopped {
		return e.levels.Clear(ctx, d.ID)
	}
	if d.State != StateRunning || d.Gen != t.Gen {
		return nil
	}
	step, ok := d.NextStep(e.cal, e.policy, fired)
	if !ok {
		return nil
	}
	return e.timers.Schedule(ctx, Timer{DeadlineID: d.ID, Gen: d.Gen, Level: step.Level, At: step.At}, e.clock.Now())
}
