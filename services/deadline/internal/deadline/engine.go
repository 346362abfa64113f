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
// this engine claimed (and fired, or found stale or already fired); timers
// another replica holds are not counted.
//
// The batch goes through the same steps as one timer would, each step in
// bulk where the store allows it, in an order that is safe to repeat after
// a crash at any point:
//
//  1. claim (an atomic insert per timer);
//  2. read the deadline: a stopped, paused or re-scheduled one makes its
//     timer stale; read whether the step was recorded already;
//  3. publish the step's event, its id a function of deadline, round and
//     level (a republish within the stream's duplicate window is dropped,
//     after it consumers drop the id they have seen);
//  4. record the step (an insert: a second record collides);
//  5. read the deadline again: a stop that came meanwhile clears the record
//     this raise may have landed after; otherwise schedule the next step
//     (a retried claim first looks whether its next step exists);
//  6. mark the timers done.
func (e *Engine) Tick(ctx context.Context) (int, error) {
	now := e.clock.Now()
	due, err := e.timers.Due(ctx, now, e.cfg.Batch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	claims, err := e.timers.ClaimMany(ctx, due, e.cfg.Owner, now, e.cfg.Lease)
	if err != nil || len(claims) == 0 {
		return len(claims), err
	}
	jobs := make([]job, len(claims))
	for i, c := range claims {
		jobs[i] = job{claim: c}
	}
	var errs error
	collect := func(err error) {
		if err != nil {
			errs = errors.Join(errs, err)
		}
	}

	// 2. Load.
	e.parallel(jobs, func(j *job) { j.load(ctx, e) })
	// 3. Publish.
	var fired []Fired
	for i := range jobs {
		j := &jobs[i]
		if j.err != nil || j.skip || j.already {
			continue
		}
		at := e.clock.Now()
		msg, err := StepEvent(ctx, e.cal, j.d, Step{Level: j.claim.Level, At: j.claim.At}, at)
		if err == nil {
			err = e.pub.Publish(ctx, msg)
		}
		if err != nil {
			j.err = fmt.Errorf("publish %s %s: %w", j.d.ID, j.claim.Level, err)
			continue
		}
		j.emitted, j.firedAt = true, at
		fired = append(fired, Fired{Deadline: j.d, Level: j.claim.Level, At: at})
	}
	// 4. Record.
	if err := e.levels.Record(ctx, fired); err != nil {
		for i := range jobs {
			if jobs[i].emitted {
				jobs[i].err = err
			}
		}
	}
	for _, j := range jobs {
		if j.emitted && j.err == nil {
			e.cfg.OnFired(j.claim.Level, j.d.Department, j.firedAt.Sub(j.claim.At))
		}
	}
	// 5. Next steps.
	e.parallel(jobs, func(j *job) { j.next(ctx, e) })
	var nexts []Timer
	for _, j := range jobs {
		if j.err == nil && j.nextStep != nil {
			nexts = append(nexts, *j.nextStep)
		}
	}
	if err := e.timers.ScheduleMany(ctx, nexts, e.clock.Now()); err != nil {
		for i := range jobs {
			if jobs[i].nextStep != nil {
				jobs[i].err = err
			}
		}
	}
	// 6. Done. A timer that failed stays claimed: after its lease a
	// replica tries it again.
	var done []Timer
	for _, j := range jobs {
		if j.err == nil {
			done = append(done, j.claim.Timer)
		}
		collect(j.err)
	}
	collect(e.timers.CompleteMany(ctx, done))
	return len(claims), errs
}

// job is one claimed timer on its way through Tick.
type job struct {
	claim    Claim
	d        Deadline
	skip     bool // nothing to emit or schedule: gone, stopped, paused or stale
	already  bool // the step was recorded before (emitted by an earlier attempt)
	emitted  bool
	firedAt  time.Time
	nextStep *Timer
	err      error
}

func (j *job) load(ctx context.Context, e *Engine) {
	d, err := e.deadlines.Get(ctx, j.claim.DeadlineID)
	switch {
	case errors.Is(err, ErrNotFound):
		j.skip = true
		return
	case err != nil:
		j.err = err
		return
	}
	j.d = d
	if d.State == StateStopped {
		j.skip, j.err = true, e.levels.Clear(ctx, d.ID)
		return
	}
	if d.State != StateRunning || d.Gen != j.claim.Gen {
		j.skip = true // the lifecycle schedules the current generation
		return
	}
	j.already, j.err = e.levels.Fired(ctx, d.ID, j.claim.Level)
}

func (j *job) next(ctx context.Context, e *Engine) {
	if j.err != nil || j.skip {
		return
	}
	if j.emitted {
		// The lifecycle may have moved on while the step fired: a stop
		// clears the records, and this one may have landed after.
		d, err := e.deadlines.Get(ctx, j.d.ID)
		if err != nil {
			j.err = err
			return
		}
		if d.State == StateStopped {
			j.err = e.levels.Clear(ctx, d.ID)
			return
		}
		if d.State != StateRunning || d.Gen != j.claim.Gen {
			return
		}
		j.d = d
	}
	step, ok := j.d.NextStep(e.cal, e.policy, j.claim.Level)
	if !ok {
		return
	}
	t := Timer{DeadlineID: j.d.ID, Gen: j.d.Gen, Level: step.Level, At: step.At}
	if j.claim.Retry || j.already {
		// An earlier attempt may have scheduled it.
		scheduled, err := e.timers.Scheduled(ctx, t)
		if err != nil || scheduled {
			j.err = err
			return
		}
	}
	j.nextStep = &t
}

// parallel runs fn over jobs with the configured number of workers.
func (e *Engine) parallel(jobs []job, fn func(*job)) {
	work := make(chan *job)
	var wg sync.WaitGroup
	for range min(e.cfg.Workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				fn(j)
			}
		}()
	}
	for i := range jobs {
		work <- &jobs[i]
	}
	close(work)
	wg.Wait()
}

// Run ticks every interval until ctx is done; while ticks find work it goes
// on without waiting.
func (e *Engine) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := e.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Warn("timer tick failed", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
