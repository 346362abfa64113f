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
	// Claim makes the caller the one writer of id at version: it raises
	// id to version and returns the revision, or false while another
	// writer's claim of version (or more) holds (see bus.Versions.Claim).
	Claim(ctx context.Context, id string, version int64) (uint64, bool, error)
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
// first, as Versions requires. An update claims its version: while
// another writer holds the claim and has not written (most often a fire
// whose event is out and whose record waits behind its burst), it waits
// for that write and then reports ErrConflict, so that its caller applies
// its change over the step instead of over the deadline before it.
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
	_, err := r.UpdateAt(ctx, d)
	return err
}

// UpdateAt is Update, and reports the register's revision of the version
// written (0 when unknown), which the deadline's next timer carries.
func (r registered) UpdateAt(ctx context.Context, d Deadline) (uint64, error) {
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		rev, ok, err := r.v.Claim(ctx, d.ID, d.Version+1)
		if err != nil {
			return 0, err
		}
		if ok {
			return rev, r.Store.Update(ctx, d)
		}
		cur, err := r.Store.Get(ctx, d.ID)
		if err != nil {
			return 0, err
		}
		if cur.Version != d.Version {
			return 0, fmt.Errorf("deadline %s: %w", d.ID, ErrConflict)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// update saves d over its stored version (Store.Update) and returns the
// register's revision of the version written when the store knows it
// (Registered), else 0.
func (s *service) update(ctx context.Context, d Deadline) (uint64, error) {
	if r, ok := s.Store.(interface {
		UpdateAt(context.Context, Deadline) (uint64, error)
	}); ok {
		return r.UpdateAt(ctx, d)
	}
	return 0, s.Store.Update(ctx, d)
}

// ErrClaimed is a fire that found its deadline's next version claimed by
// another writer which has not written it yet: tried again later, it finds
// the deadline moved on (and is dropped) or the claim expired.
var ErrClaimed = errors.New("next version claimed by another writer")

// Fire implements Service. A timer carries a snapshot of its deadline and
// the register's revision of it; when the register swaps from that
// revision to the step's version the deadline is unchanged since, and the
// step's event goes out with no database round trip (the swap is the
// check and the claim of the next version in one). Otherwise (no snapshot
// or revision, a register written since) the deadline is read, a timer
// that no longer matches it is dropped, and one that does claims the next
// version before its event goes out.
//
// The event goes out before the step is recorded by a versioned write from
// the version the timer was set at (batched with other fires'), and the
// next timer is set last; the fire message is acked only after all three.
// The claim keeps every other writer off the deadline from before the
// event until the record: a lifecycle change waits for the record and
// applies over the step (Registered), and another fire of the same timer
// (a duplicate the sweep made, another replica) is tried again later and
// then finds the deadline moved on. A crash anywhere loses nothing: a fire
// redelivered after a crash before the record comes after its ack wait,
// when its earlier delivery's claim has expired; it takes the claim over,
// reads the deadline still at the timer's version and publishes again
// under the same event id, which the events stream's duplicate window
// drops (see TimerFiredConsumer for how the window and the ack wait
// relate); one redelivered after the record reads the deadline moved on
// and only sets its timer again.
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
		// The step is claimed before its event goes out, so that no
		// lifecycle write can come between the event and the record.
		var rev uint64
		if s.Versions != nil && s.Steps != nil {
			var ok bool
			if rev, ok, err = s.Versions.Claim(ctx, d.ID, d.Version+1); err != nil {
				done(nil, err)
				return
			}
			if !ok {
				done(nil, fmt.Errorf("fire %s at %d: %w", d.ID, d.Version, ErrClaimed))
				return
			}
		}
		s.emit(ctx, d, t, rev, done)
	}
}

// emit publishes step t of d (at t.Version), records it and sets the next
// timer. The fire has claimed t.Version+1 in the register (when there is
// one), and rev is the revision of that claim, or 0 when unknown.
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
			// Another writer took the claim over, which it does only once
			// it expired, and moved the deadline on; it set its timer.
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
		done(s.update(ctx, next))
		return
	}
	s.Steps.RecordStep(StepRecord{ID: next.ID, Version: next.Version, Level: next.Level,
		LevelAt: next.LevelAt, NextLevel: next.NextLevel, NextAt: next.NextAt}, func(err error) { done(rev, err) })
}
