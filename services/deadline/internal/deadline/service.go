package deadline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
)

// Errors the stores report.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("changed concurrently")
)

// Store keeps deadlines, one document each.
type Store interface {
	// Create saves d at version 1, or reports ErrDuplicate if its id exists.
	Create(ctx context.Context, d Deadline) error
	Get(ctx context.Context, id string) (Deadline, error)
	// Update saves d if the stored version is still d.Version (and bumps
	// it), else reports ErrConflict.
	Update(ctx context.Context, d Deadline) error
	// List returns the deadlines of department (all when empty), earliest
	// due first; with a level, only those not stopped at that level and
	// not follow-ups (IsFollowUp).
	List(ctx context.Context, department string, level Level) ([]Deadline, error)
	// Counts counts the deadlines not stopped at yellow or worse, by
	// department and level, follow-ups left out.
	Counts(ctx context.Context) (map[LevelKey]int, error)
	// Running calls fn for every running deadline with a next step.
	Running(ctx context.Context, fn func(Deadline) error) error
}

// LevelKey groups level counts for the metrics.
type LevelKey struct {
	Department string
	Level      Level
}

// Timer is one pending ladder step of one deadline: at At, step Level of
// round Round is due, scheduled when the deadline was at Version. A
// deadline has at most one pending timer.
type Timer struct {
	DeadlineID string
	Version    int64
	Round      int
	Level      Level
	At         time.Time
	// Snapshot is the deadline at Version, of which a fire uses the fields
	// its event and its record need (Kind, RefID, ProjectCode, ProjectName,
	// Title, Department, DueAt, DueDate, Provisional, Level); nil in a timer
	// set by an older release.
	Snapshot *Deadline
	// Rev is the versions register's revision of the deadline, taken
	// after the deadline was written at Version and found holding it (see
	// Versions); 0 when unknown, and then the fire reads the database.
	Rev uint64
}

// Timers keeps the pending timers (the JetStream message scheduler).
type Timers interface {
	// Schedule sets t as its deadline's pending timer, replacing any other.
	Schedule(ctx context.Context, t Timer) error
	// Cancel removes the pending timer of deadline id, if any.
	Cancel(ctx context.Context, id string) error
	// Pending returns the ids of the deadlines that have a pending timer.
	Pending(ctx context.Context) (map[string]bool, error)
}

// Publisher is what the clock needs of the bus.
type Publisher interface {
	Publish(ctx context.Context, m event.Message) error
}

// Fired is one ladder step emitted.
type Fired struct {
	Deadline Deadline
	Level    Level
	// At is the emission; StepAt the instant the step was due.
	At, StepAt time.Time
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
	// Fire acts on a fired timer: if it still matches its deadline, the
	// step's event is emitted, recorded and the next step scheduled; a
	// stale timer is dropped. It calls done once, with the step emitted if
	// any, when all of that is done: possibly after it returns (the record
	// goes in a batch), on another goroutine, while ctx still holds.
	Fire(ctx context.Context, t Timer, done func(*Fired, error))
	// Reconcile re-creates the timers that should be pending and are not
	// (or whose step is due by the service's clock), cancels those of
	// deadlines that no longer run, and reports how many it re-created.
	Reconcile(ctx context.Context) (int, error)
	Get(ctx context.Context, id string) (Deadline, error)
	List(ctx context.Context, department, level string) ([]Deadline, error)
	Calendar() workday.Calendar
}

// Config is what the service is made of.
type Config struct {
	Store     Store
	Timers    Timers
	Publisher Publisher
	Calendar  workday.Calendar
	Clock     clock.Clock
	Policy    Policy
	// Versions and Steps let a fire go out without a database round trip
	// (see Fire); without them every fire reads its deadline and records
	// its step with Store.Update. Store must then be Registered with the
	// same Versions.
	Versions Versions
	Steps    StepRecorder
}

type service struct {
	Config
}

// NewService returns the clock.
func NewService(cfg Config) Service { return &service{Config: cfg} }

func (s *service) Calendar() workday.Calendar { return s.Config.Calendar }

func (s *service) StartItem(ctx context.Context, a ItemAssignment) (Deadline, error) {
	if err := a.Validate(); err != nil {
		return Deadline{}, err
	}
	return s.start(ctx, ForItem(s.Config.Calendar, a))
}

func (s *service) StartAction(ctx context.Context, a ActionItem) (Deadline, error) {
	return s.start(ctx, ForAction(s.Config.Calendar, a))
}

func (s *service) StartProblem(ctx context.Context, p ProblemRaise) (Deadline, error) {
	return s.start(ctx, ForProblem(s.Config.Calendar, p))
}

func (s *service) ChangeProblem(ctx context.Context, problemID, status string, at time.Time) (Deadline, error) {
	if status != "resolved" {
		return s.Get(ctx, "problem:"+problemID)
	}
	return s.change(ctx, "problem:"+problemID, Change{Kind: ChangeStop, At: at, Outcome: status})
}

// start saves a new running deadline, or reads the one saved before.
func (s *service) start(ctx context.Context, d Deadline) (Deadline, error) {
	d = d.WithNext(s.Config.Calendar, s.Policy)
	d.Version = 1
	err := s.Store.Create(ctx, d)
	if errors.Is(err, ErrDuplicate) {
		if d, err = s.Store.Get(ctx, d.ID); err != nil {
			return Deadline{}, err
		}
	} else if err != nil {
		return Deadline{}, fmt.Errorf("start clock of %s: %w", d.ID, err)
	}
	// Also on a repeat: a crash may have come between saving and scheduling.
	if err := s.settle(ctx, d, 0); err != nil {
		return Deadline{}, err
	}
	return s.assess(d), nil
}

func (s *service) ChangeItem(ctx context.Context, itemID string, c Change) (Deadline, error) {
	return s.change(ctx, "item:"+itemID, c)
}

func (s *service) change(ctx context.Context, id string, c Change) (Deadline, error) {
	for attempt := 0; ; attempt++ {
		d, err := s.Store.Get(ctx, id)
		if err != nil {
			return Deadline{}, err
		}
		next, changed := d.Apply(s.Config.Calendar, c)
		var rev uint64
		if changed {
			next = next.WithNext(s.Config.Calendar, s.Policy)
			rev, err = s.update(ctx, next)
			if errors.Is(err, ErrConflict) && attempt < 5 {
				continue
			}
			if err != nil {
				return Deadline{}, err
			}
			next.Version++
		}
		// Settle also when nothing changed: the change may be a redelivery
		// after a crash that came before its effects.
		if err := s.settle(ctx, next, rev); err != nil {
			return Deadline{}, err
		}
		return s.assess(next), nil
	}
}

// settle brings the pending timer in line with the stored d: its next
// step scheduled, or none.
func (s *service) settle(ctx context.Context, d Deadline, rev uint64) error {
	if d.NextLevel == "" {
		return s.Timers.Cancel(ctx, d.ID)
	}
	return s.Timers.Schedule(ctx, s.timerOf(ctx, d, rev))
}

// timerOf is TimerOf(d) with the register's revision of d: rev when the
// caller has it, else looked up. A failed lookup leaves it 0, which costs
// the fire a database read and nothing else.
func (s *service) timerOf(ctx context.Context, d Deadline, rev uint64) Timer {
	t := TimerOf(d)
	if rev == 0 && s.Versions != nil {
		rev, _ = s.Versions.Revision(ctx, d.ID, d.Version)
	}
	t.Rev = rev
	return t
}

// TimerOf is the timer of d's next step, with the snapshot its fire needs.
func TimerOf(d Deadline) Timer {
	snap := d
	snap.Pauses, snap.Explanation = nil, nil
	return Timer{DeadlineID: d.ID, Version: d.Version, Round: d.Round, Level: d.NextLevel, At: d.NextAt, Snapshot: &snap}
}

// Reconcile implements Service.
func (s *service) Reconcile(ctx context.Context) (int, error) {
	pending, err := s.Timers.Pending(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	n := 0
	err = s.Store.Running(ctx, func(d Deadline) error {
		has := pending[d.ID]
		delete(pending, d.ID)
		if has && d.NextAt.After(now) {
			return nil
		}
		n++
		return s.Timers.Schedule(ctx, s.timerOf(ctx, d, 0))
	})
	if err != nil {
		return n, err
	}
	// What is left is pending for deadlines that do not run (a cancel that
	// failed, or a schedule that came back): it would only be dropped.
	for id := range pending {
		if err := s.Timers.Cancel(ctx, id); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *service) assess(d Deadline) Deadline {
	d.RemainingDays = d.Remaining(s.Config.Calendar, s.Clock.Now())
	return d
}

func (s *service) Get(ctx context.Context, id string) (Deadline, error) {
	d, err := s.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Deadline{}, apperr.NotFound("deadline_not_found", "no deadline "+id)
	}
	if err != nil {
		return Deadline{}, err
	}
	d = s.assess(d)
	why := d.Explain(s.Config.Calendar)
	d.Explanation = &why
	return d, nil
}

// List returns a department's deadlines at a level (all when empty).
func (s *service) List(ctx context.Context, department, level string) ([]Deadline, error) {
	lv := Level(strings.TrimSpace(level))
	if lv != "" && !lv.Valid() {
		return nil, apperr.Invalid("level", "invalid_level",
			"level must be one of green, yellow, red, urge, supervise, interview, escalate")
	}
	all, err := s.Store.List(ctx, strings.TrimSpace(department), lv)
	if err != nil {
		return nil, err
	}
	out := make([]Deadline, len(all))
	for i, d := range all {
		out[i] = s.assess(d)
	}
	return out, nil
}
