package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// StepRecorder implements deadline.StepRecorder: the steps fired while a
// batch is being written wait and go together in the next one
// (mongox.UpdateVersionedMany), so a burst of fires costs a few round
// trips per batch instead of a versioned write each. A goroutine writes
// batches while steps wait, started by the first step that finds none.
type StepRecorder struct {
	store *Store
	max   int

	mu      sync.Mutex
	queue   []*stepWrite
	writing bool
}

type stepWrite struct {
	rec  deadline.StepRecord
	done chan error
}

// stepWriteTimeout bounds one batch's write, whoever's context it runs on.
const stepWriteTimeout = time.Minute

// NewStepRecorder returns a recorder over s writing at most max steps in a
// batch (256 when not positive).
func NewStepRecorder(s *Store, max int) *StepRecorder {
	if max <= 0 {
		max = 256
	}
	return &StepRecorder{store: s, max: max}
}

// RecordStep implements deadline.StepRecorder.
func (r *StepRecorder) RecordStep(ctx context.Context, rec deadline.StepRecord) error {
	w := &stepWrite{rec: rec, done: make(chan error, 1)}
	r.mu.Lock()
	r.queue = append(r.queue, w)
	if !r.writing {
		r.writing = true
		go r.drain()
	}
	r.mu.Unlock()
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		// The write may still apply: the fire is redelivered and finds it.
		return ctx.Err()
	}
}

// drain writes batches while steps wait.
func (r *StepRecorder) drain() {
	for {
		r.mu.Lock()
		n := min(len(r.queue), r.max)
		if n == 0 {
			r.writing = false
			r.mu.Unlock()
			return
		}
		batch := r.queue[:n:n]
		r.queue = r.queue[n:]
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), stepWriteTimeout)
		errs := r.store.recordSteps(ctx, batch)
		cancel()
		for i, w := range batch {
			w.done <- errs[i]
		}
	}
}

func (s *Store) recordSteps(ctx context.Context, batch []*stepWrite) []error {
	ws := make([]mongox.Versioned, len(batch))
	for i, w := range batch {
		ws[i] = mongox.Versioned{ID: w.rec.ID, Version: w.rec.Version, Update: bson.D{{Key: "$set", Value: bson.D{
			{Key: "level", Value: string(w.rec.Level)}, {Key: "level_at", Value: utc(w.rec.LevelAt)},
			{Key: "next_level", Value: string(w.rec.NextLevel)}, {Key: "next_at", Value: utc(w.rec.NextAt)},
		}}}}
	}
	errs := mongox.UpdateVersionedMany(ctx, s.coll, ws)
	for i, err := range errs {
		switch {
		case errors.Is(err, mongox.ErrConflict):
			errs[i] = fmt.Errorf("deadline %s: %w", ws[i].ID, deadline.ErrConflict)
		case errors.Is(err, mongox.ErrNotFound):
			errs[i] = fmt.Errorf("deadline %s: %w", ws[i].ID, deadline.ErrNotFound)
		}
	}
	return errs
}
