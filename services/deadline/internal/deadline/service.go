package deadline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/workday"
)

// Errors the stores report.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("changed concurrently")
)

// Store keeps deadlines. Only the lifecycle (the service) writes them; the
// firing engine only reads them, so the two never overwrite each other.
type Store interface {
	// Create saves d, or reports ErrDuplicate if its id exists.
	Create(ctx context.Context, d Deadline) error
	Get(ctx context.Context, id string) (Deadline, error)
	// Update saves d if the stored version is still d.Version, else
	// reports ErrConflict.
	Update(ctx context.Context, d Deadline) error
	// List returns the deadlines of department (all when empty).
	List(ctx context.Context, department string) ([]Deadline, error)
}

// LevelKey groups level counts for the metrics.
type LevelKey struct {
	Department string
	Level      Level
}

// Fired is one ladder step a deadline emitted.
type Fired struct {
	Deadline Deadline
	Level    Level
	At       time.Time
}

// LevelStore keeps a record of every step each deadline has emitted; a
// deadline's level is its highest step, green when it has none. Only the
// firing engine records steps; the lifecycle clears them when it stops.
type LevelStore interface {
	// Fired reports whether step l of deadline id was recorded.
	Fired(ctx context.Context, id string, l Level) (bool, error)
	// Level returns the highest step recorded for id (green when none).
	Level(ctx context.Context, id string) (Level, error)
	// Record records steps; recording a step again changes nothing.
	Record(ctx context.Context, fired []Fired) error
	Clear(ctx context.Context, id string) error
	// WithLevel returns the ids of department's deadlines whose level is
	// l (all departments when empty).
	WithLevel(ctx context.Context, department string, l Level) ([]string, error)
	// Counts counts deadlines by department and level.
	Counts(ctx context.Context) (map[LevelKey]int, error)
}

// Timer is one step of one deadline's ladder, due at At.
type Timer struct {
	// Slot addresses the timer in the timer store.
	Slot       string
	DeadlineID string
	Gen        int
	Level      Level
	At         time.Time
}

// Claim is a timer an engine won. Retry tells that an earlier claim of it
// expired: its owner may have done part of the work.
type Claim struct {
	Timer
	Retry bool
}

// TimerStore keeps durable timers. Claims are atomic: of several replicas
// claiming the same timer, one wins until its lease runs out.
type TimerStore interface {
	// Schedule saves t to fire at t.At (at once if that is before now).
	// Scheduling the same deadline, generation and level again is a no-op.
	Schedule(ctx context.Context, t Timer, now time.Time) error
	// ScheduleMany saves ts in bulk, without looking for earlier copies.
	ScheduleMany(ctx context.Context, ts []Timer, now time.Time) error
	// Scheduled reports whether t's deadline, generation and level were
	// scheduled before.
	Scheduled(ctx context.Context, t Timer) (bool, error)
	// Due returns up to max timers due by now that are not done.
	Due(ctx context.Context, now time.Time, max int) ([]Timer, error)
	// ClaimMany takes for owner, until now+lease, those of ts that no
	// other owner holds.
	ClaimMany(ctx context.Context, ts []Timer, owner string, now time.Time, lease time.Duration) ([]Claim, error)
	// CompleteMany marks ts done.
	CompleteMany(ctx context.Context, ts []Timer) error
}

// Service is the clock's use cases.
type Service interface {
	// StartItem starts the clock of an assigned item; starting it again
	// changes nothing.
	StartItem(ctx context.Context, a ItemAssignment) (Deadline, error)
	// ChangeItem applies a status change of an item to its clock.
	ChangeItem(ctx context.Context, itemID string, c Change) (Deadline, error)
	// StartAction starts the clock of a meeting's action item.
	StartAction(ctx context.Context, a ActionItem) (Deadline, error)
	// StartProblem starts the clock of a raised problem; again, nothing.
	StartProblem(ctx context.Context, p ProblemRaise) (Deadline, error)
	// ChangeProblem applies a problem's new status: resolved stops it.
	ChangeProblem(ctx context.Context, problemID, status string, at time.Time) (Deadline, error)
	Get(ctx context.Context, id string) (Deadline, error)
	List(ctx context.Context, department, level string) ([]Deadline, error)
	Calendar() workday.Calendar
}

type service struct {
	store  Store
	levels LevelStore
	timers TimerStore
	cal    workday.Calendar
	clock  clock.Clock
	policy Policy
}

// NewService returns the clock over its stores.
func NewService(store Store, levels LevelStore, timers TimerStore, cal workday.Calendar, c clock.Clock, p Policy) Service {
	return &service{store: store, levels: levels, timers: timers, cal: cal, clock: c, policy: p}
}

func (s *service) Calendar() workday.Calendar { return s.cal }

func (s *service) StartItem(ctx context.Context, a ItemAssignment) (Deadline, error) {
	return s.start(ctx, ForItem(s.cal, a))
}

func (s *service) StartAction(ctx context.Context, a ActionItem) (Deadline, error) {
	return s.start(ctx, ForAction(s.cal, a))
}

func (s *service) StartProblem(ctx context.Context, p ProblemRaise) (Deadline, error) {
	return s.start(ctx, ForProblem(s.cal, p))
}

func (s *service) ChangeProblem(ctx context.Context, problemID, status string, at time.Time) (Deadline, error) {
	if status != "resolved" {
		return s.Get(ctx, "problem:"+problemID)
	}
	return s.change(ctx, "problem:"+problemID, Change{Kind: ChangeStop, At: at, Outcome: status})
}

// start saves a new running deadline, or reads the one saved before.
func (s *service) start(ctx context.Context, d Deadline) (Deadline, error) {
	err := s.store.Create(ctx, d)
	if errors.Is(err, ErrDuplicate) {
		if d, err = s.store.Get(ctx, d.ID); err != nil {
			return Deadline{}, err
		}
	} else if err != nil {
		return Deadline{}, fmt.Errorf("start clock of %s: %w", d.ID, err)
	}
	// Also on a repeat: a crash may have come between saving and scheduling.
	if err := s.settle(ctx, d); err != nil {
		return Deadline{}, err
	}
	return s.assess(ctx, d)
}

func (s *service) ChangeItem(ctx context.Context, itemID string, c Change) (Deadline, error) {
	return s.change(ctx, "item:"+itemID, c)
}

func (s *service) change(ctx context.Context, id string, c Change) (Deadline, error) {
	for attempt := 0; ; attempt++ {
		d, err := s.store.Get(ctx, id)
		if err != nil {
			return Deadline{}, err
		}
		next, changed := d.Apply(s.cal, c)
		if changed {
			err = s.store.Update(ctx, next)
			if errors.Is(err, ErrConflict) && attempt < 3 {
				continue
			}
			if err != nil {
				return Deadline{}, err
			}
			next.Version++
		}
		// Settle also when nothing changed: the change may be a redelivery
		// after a crash that came before its effects.
		if err := s.settle(ctx, next); err != nil {
			return Deadline{}, err
		}
		return s.assess(ctx, next)
	}
}

// settle brings the level record and the timers in line with d's state: a
// stopped deadline has no level; a running one has its next step scheduled.
func (s *service) settle(ctx context.Context, d Deadline) error {
	switch d.State {
	case StateStopped:
		return s.levels.Clear(ctx, d.ID)
	case StateRunning:
		return scheduleNext(ctx, s.timers, s.levels, s.cal, s.policy, d, s.clock.Now())
	}
	return nil
}

func scheduleNext(ctx context.Context, timers TimerStore, levels LevelStore, cal workday.Calendar, p Policy, d Deadline, now time.Time) error {
	fired, err := levels.Level(ctx, d.ID)
	if err != nil {
		return err
	}
	step, ok := d.NextStep(cal, p, fired)
	if !ok {
		return nil
	}
	return timers.Schedule(ctx, Timer{DeadlineID: d.ID, Gen: d.Gen, Level: step.Level, At: step.At}, now)
}

func (s *service) assess(ctx context.Context, d Deadline) (Deadline, error) {
	l, err := s.levels.Level(ctx, d.ID)
	if err != nil {
		return Deadline{}, err
	}
	d.Level = l
	d.RemainingDays = d.Remaining(s.cal, s.clock.Now())
	return d, nil
}

func (s *service) Get(ctx context.Context, id string) (Deadline, error) {
	d, err := s.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Deadline{}, apperr.NotFound("deadline_not_found", "no deadline "+id)
	}
	if err != nil {
		return Deadline{}, err
	}
	return s.assess(ctx, d)
}

// List returns a department's deadlines at a level. Yellow and worse are read
// from the level records (few, addressed by id); green and "all" walk the
// department's deadlines.
func (s *service) List(ctx context.Context, department, level string) ([]Deadline, error) {
	lv := Level(strings.TrimSpace(level))
	if lv != "" && !lv.Valid() {
		return nil, apperr.Invalid("level", "invalid_level",
			"level must be one of green, yellow, red, urge, supervise, interview, escalate")
	}
	department = strings.TrimSpace(department)
	out := []Deadline{}
	if lv != "" && lv != LevelGreen {
		ids, err := s.levels.WithLevel(ctx, department, lv)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			d, err := s.store.Get(ctx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if d, err = s.assess(ctx, d); err != nil {
				return nil, err
			}
			if d.Level == lv {
				out = append(out, d)
			}
		}
		return out, nil
	}
	all, err := s.store.List(ctx, department)
	if err != nil {
		return nil, err
	}
	for _, d := range all {
		if d, err = s.assess(ctx, d); err != nil {
			return nil, err
		}
		if lv == "" || (d.Level == lv && d.State != StateStopped) {
			out = append(out, d)
		}
	}
	return out, nil
}
