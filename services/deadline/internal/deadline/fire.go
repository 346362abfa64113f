package deadline

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Versions is the register of the deadlines' latest versions (bus.Versions):
// every writer of a deadline advances its version there before it writes
// it, and versions there only grow. A timer carries the register's
// revision of its deadline taken after the deadline was written at the
// timer's version; finding that revision unchanged when it fires says the
// deadline is still as the timer was set. A changed one, or none, says
// nothing for certain.
type Versions interface {
	// Advance raises id to version (no lower) and returns the revision at
	// which id holds exactly version, or 0 when it holds a higher one.
	Advance(ctx context.Context, id string, version int64) (uint64, error)
	// Revision is id's revision if id holds exactly version, else 0.
	Revision(ctx context.Context, id string, version int64) (uint64, error)
	// Swap sets id to version if it is still at revision rev, returning
	// the new revision; false if it was written since.
	Swap(ctx context.Context, id string, rev uint64, version int64) (uint64, bool, error)
}

// StepRecord is a fired step, to be saved over the version its timer was
// set at: the deadline's new level and the step it reaches next.
type StepRecord struct {
	ID        string
	Version   int64
	Level     Level
	LevelAt   time.Time
	NextLevel Level
	NextAt    time.Time
}

// StepRecorder records fired steps, many at once.
type StepRecorder interface {
	// RecordStep saves r if its deadline is still at r.Version (and bumps
	// the version), and calls done once it is durable, or with
	// ErrConflict.
	RecordStep(r StepRecord, done func(error))
}

// Registered is s with every write advancing the deadline's version in v
// first, as Versions requires.
func Registered(s Store, v Versions) Store { return registered{Store: s, v: v} }

type registered struct {
	Store
	v Versions
}

func (r registered) Create(ctx context.Context, d Deadline) error {
	if _, err := r.v.Advance(ctx, d.ID, d.Version); err != nil {
		return err
	}
	return r.Store.Create(ctx, d)
}

func (r registered) Update(ctx context.Context, d Deadline) error {
	if _, err := r.v.Advance(ctx, d.ID, d.Version+1); err != nil {
		return err
	}
	return r.Store.Update(ctx, d)
}

// Fire implements Service. A timer carries a snapshot of its deadline and
// the register's revision of it; when the register swaps from that
// revision to the step's version the deadline is unchanged since, and the
// step's event goes out with no database round trip (the swap is the
// check and the advance of the register in one). Otherwise (no snapshot or
// revision, a register written since) the deadline is read, and a timer
// that no longer matches it is dropped.
//
// The event goes out before the step is recorded by a versioned write from
// the version the timer was set at (batched with other fires'), and the
// next timer is set last; the fire message is acked only after all three.
// A crash anywhere loses nothing: a fire redelivered after a crash before
// the record finds the register swapped, reads the deadline still at the
// timer's version and publishes again under the same event id, which the
// events stream's duplicate window drops (see TimerFiredConsumer for how
// the window and the ack wait relate); one redelivered after the record
// reads the deadline moved on and only sets its timer again. Of several
// fires of one timer (a duplicate the sweep made, another replica) exactly
// one wins the record and reports the step.
func (s *service) Fire(ctx context.Context, t Timer, done func(*Fired, error)) {
	if snap := t.Snapshot; snap != nil && t.Rev != 0 && s.Versions != nil && s.Steps != nil {
		if snap.Level.Rank() >= t.Level.Rank() {
			done(nil, nil)
			return
		}
		rev, ok, err := s.Versions.Swap(ctx, t.DeadlineID, t.Rev, t.Version+1)
		if err != nil {
			done(nil, err)
			return
		}
		if ok {
			d := *snap
			d.ID, d.Version, d.Round, d.State = t.DeadlineID, t.Version, t.Round, StateRunning
			s.emit(ctx, d, t, rev, done)
			return
		}
	}
	d, err := s.Store.Get(ctx, t.DeadlineID)
	switch {
	case errors.Is(err, ErrNotFound):
		done(nil, nil)
	case err != nil:
		done(nil, err)
	case d.Version != t.Version || d.State != StateRunning || d.Round != t.Round || d.Level.Rank() >= t.Level.Rank():
		// Stale: the deadline moved on since this timer was set. Its own
		// timer is set by whoever moved it; set it again in case that one
		// crashed before it did.
		if d.State == StateRunning {
			err = s.settle(ctx, d, 0)
		}
		done(nil, err)
	default:
		s.emit(ctx, d, t, 0, done)
	}
}

// emit publishes step t of d (at t.Version), records it and sets the next
// timer. rev is the register's revision of d at t.Version+1 when the fire
// has advanced it already, else 0.
func (s *service) emit(ctx context.Context, d Deadline, t Timer, rev uint64, done func(*Fired, error)) {
	now := s.Clock.Now()
	msg, err := StepEvent(ctx, s.Config.Calendar, d, Step{Level: t.Level, At: t.At}, now)
	if err != nil {
		done(nil, err)
		return
	}
	if err := s.Publisher.Publish(ctx, msg); err != nil {
		done(nil, fmt.Errorf("publish %s %s: %w", d.ID, t.Level, err))
		return
	}
	next := d
	next.Level, next.LevelAt = t.Level, now
	next = next.WithNext(s.Config.Calendar, s.Policy)
	s.record(ctx, next, rev, func(rev uint64, err error) {
		switch {
		case errors.Is(err, ErrConflict):
			// Another fire of this timer recorded it, or the lifecycle
			// moved on and set the timer of what it made.
			done(nil, nil)
		case err != nil:
			done(nil, err)
		default:
			next.Version++
			done(&Fired{Deadline: d, Level: t.Level, At: now, StepAt: t.At}, s.settle(ctx, next, rev))
		}
	})
}

// record saves the step next reached over next.Version: only the fields
// a step changes, which is the whole change as the deadline is still at
// that version. It calls done with the register's revision of the version
// written (0 when unknown).
func (s *service) record(ctx context.Context, next Deadline, rev uint64, done func(uint64, error)) {
	if s.Steps == nil {
		done(0, s.Store.Update(ctx, next))
		return
	}
	if rev == 0 && s.Versions != nil {
		var err error
		if rev, err = s.Versions.Advance(ctx, next.ID, next.Version+1); err != nil {
			done(0, err)
			return
		}
	}
	s.Steps.RecordStep(StepRecord{ID: next.ID, Version: next.Version, Level: next.Level,
		LevelAt: next.LevelAt, NextLevel: next.NextLevel, NextAt: next.NextAt}, func(err error) { done(rev, err) })
}
