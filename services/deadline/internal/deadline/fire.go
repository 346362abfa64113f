package deadline

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Versions is the register of the deadlines' latest versions (bus.Versions):
// every writer of a deadline advances its version there before it writes
// it, and versions there only grow, so a version found there equal to a
// timer's says the deadline is still as the timer was set. A higher one,
// or none, says nothing for certain.
type Versions interface {
	Get(ctx context.Context, id string) (int64, bool, error)
	Advance(ctx context.Context, id string, version int64) error
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
	// the version), returning once it is durable, or reports ErrConflict.
	RecordStep(ctx context.Context, r StepRecord) error
}

// Registered is s with every write advancing the deadline's version in v
// first, as Versions requires.
func Registered(s Store, v Versions) Store { return registered{Store: s, v: v} }

type registered struct {
	Store
	v Versions
}

func (r registered) Create(ctx context.Context, d Deadline) error {
	if err := r.v.Advance(ctx, d.ID, d.Version); err != nil {
		return err
	}
	return r.Store.Create(ctx, d)
}

func (r registered) Update(ctx context.Context, d Deadline) error {
	if err := r.v.Advance(ctx, d.ID, d.Version+1); err != nil {
		return err
	}
	return r.Store.Update(ctx, d)
}

// Fire implements Service. A timer carries a snapshot of its deadline; when
// the versions register holds the timer's version the deadline is
// unchanged since, and the step's event goes out with no database round
// trip. Otherwise (no snapshot, no register entry, a higher version) the
// deadline is read, and a timer that no longer matches it is dropped.
//
// The event goes out before the step is recorded by a versioned write from
// the version the timer was set at (batched with other fires'), and the
// next timer is set last; the fire message is acked only after all three.
// A crash anywhere loses nothing: a fire redelivered after a crash before
// the record publishes again under the same event id, which the events
// stream's duplicate window drops (see TimerFiredConsumer for how the
// window and the ack wait relate); one redelivered after the record finds
// a higher version, reads the deadline moved on and only sets its timer
// again. Of several fires of one timer (a duplicate the sweep made,
// another replica) exactly one wins the record and reports the step.
func (s *service) Fire(ctx context.Context, t Timer) (*Fired, error) {
	if t.Snapshot != nil && s.Versions != nil && s.Steps != nil {
		v, ok, err := s.Versions.Get(ctx, t.DeadlineID)
		if err != nil {
			return nil, err
		}
		if ok && v == t.Version {
			d := *t.Snapshot
			d.ID, d.Version, d.Round, d.State = t.DeadlineID, t.Version, t.Round, StateRunning
			if d.Level.Rank() < t.Level.Rank() {
				return s.emit(ctx, d, t)
			}
			return nil, nil
		}
	}
	d, err := s.Store.Get(ctx, t.DeadlineID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if d.Version != t.Version || d.State != StateRunning || d.Round != t.Round || d.Level.Rank() >= t.Level.Rank() {
		// Stale: the deadline moved on since this timer was set. Its own
		// timer is set by whoever moved it; set it again in case that one
		// crashed before it did.
		if d.State == StateRunning {
			return nil, s.settle(ctx, d)
		}
		return nil, nil
	}
	return s.emit(ctx, d, t)
}

// emit publishes step t of d (at t.Version), records it and sets the next
// timer.
func (s *service) emit(ctx context.Context, d Deadline, t Timer) (*Fired, error) {
	now := s.Clock.Now()
	msg, err := StepEvent(ctx, s.Config.Calendar, d, Step{Level: t.Level, At: t.At}, now)
	if err != nil {
		return nil, err
	}
	if err := s.Publisher.Publish(ctx, msg); err != nil {
		return nil, fmt.Errorf("publish %s %s: %w", d.ID, t.Level, err)
	}
	next := d
	next.Level, next.LevelAt = t.Level, now
	next = next.WithNext(s.Config.Calendar, s.Policy)
	switch err := s.record(ctx, next); {
	case errors.Is(err, ErrConflict):
		// Another fire of this timer recorded it, or the lifecycle moved
		// on and set the timer of what it made.
		return nil, nil
	case err != nil:
		return nil, err
	}
	next.Version++
	return &Fired{Deadline: d, Level: t.Level, At: now, StepAt: t.At}, s.settle(ctx, next)
}

// record saves the step next reached over next.Version: only the fields
// a step changes, which is the whole change as the deadline is still at
// that version.
func (s *service) record(ctx context.Context, next Deadline) error {
	if s.Steps == nil {
		return s.Store.Update(ctx, next)
	}
	if s.Versions != nil {
		if err := s.Versions.Advance(ctx, next.ID, next.Version+1); err != nil {
			return err
		}
	}
	return s.Steps.RecordStep(ctx, StepRecord{ID: next.ID, Version: next.Version, Level: next.Level,
		LevelAt: next.LevelAt, NextLevel: next.NextLevel, NextAt: next.NextAt})
}
