package store

import (
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// StepRecorder implements deadline.StepRecorder: the steps fired while a
// batch is being written go together in the next one (mongox.Batcher), so
// a burst of fires costs a few round trips per batch instead of a
// versioned write each.
type StepRecorder struct{ batch *mongox.Batcher }

// NewStepRecorder returns a recorder over s writing at most max steps in a
// batch (256 when not positive).
func NewStepRecorder(s *Store, max int) *StepRecorder {
	return &StepRecorder{batch: mongox.NewBatcher(s.coll, max)}
}

// RecordStep implements deadline.StepRecorder.
func (r *StepRecorder) RecordStep(rec deadline.StepRecord, done func(error)) {
	r.batch.WriteLater(mongox.Versioned{ID: rec.ID, Version: rec.Version, Update: bson.D{{Key: "$set", Value: bson.D{
		{Key: "level", Value: string(rec.Level)}, {Key: "level_at", Value: utc(rec.LevelAt)},
		{Key: "next_level", Value: string(rec.NextLevel)}, {Key: "next_at", Value: utc(rec.NextAt)},
	}}}}, func(err error) {
		switch {
		case errors.Is(err, mongox.ErrConflict):
			err = fmt.Errorf("deadline %s: %w", rec.ID, deadline.ErrConflict)
		case errors.Is(err, mongox.ErrNotFound):
			err = fmt.Errorf("deadline %s: %w", rec.ID, deadline.ErrNotFound)
		}
		done(err)
	})
}
