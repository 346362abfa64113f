package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Delays implements notification.DelayStore in the collection
// critical_delays: one document per weekly briefing (_id its week's
// Monday, 2026-11-23), inserted once; a redelivered briefing finds it.
// A year is 52 small documents, so reading the latest is a cheap sort.
type Delays struct {
	coll *mongo.Collection
}

// NewDelays returns the store of the briefings' critical-path rankings.
func NewDelays(db *mongo.Database) *Delays { return &Delays{coll: db.Collection("critical_delays")} }

var _ notification.DelayStore = (*Delays)(nil)

type delayDoc struct {
	Department   string `bson:"department"`
	DelayDays    int    `bson:"delay_days"`
	Projects     int    `bson:"projects"`
	LateProjects int    `bson:"late_projects"`
}

type delaysDoc struct {
	ID   string     `bson:"_id"`
	AsOf time.Time  `bson:"as_of"`
	Rows []delayDoc `bson:"rows"`
}

// PutCriticalDelays records the ranking of d's week unless recorded.
func (s *Delays) PutCriticalDelays(ctx context.Context, d notification.CriticalDelays) error {
	doc := delaysDoc{ID: d.Period, AsOf: d.AsOf, Rows: make([]delayDoc, len(d.Rows))}
	for i, r := range d.Rows {
		doc.Rows[i] = delayDoc{Department: r.Department, DelayDays: r.DelayDays, Projects: r.Projects, LateProjects: r.LateProjects}
	}
	if _, err := s.coll.InsertOne(ctx, doc); err != nil && !mongox.IsDuplicateKey(err) {
		return fmt.Errorf("critical delays of %s: %w", d.Period, err)
	}
	return nil
}

// LatestCriticalDelays is the ranking of the latest week recorded.
func (s *Delays) LatestCriticalDelays(ctx context.Context) (notification.CriticalDelays, error) {
	var doc delaysDoc
	err := s.coll.FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return notification.CriticalDelays{}, fmt.Errorf("critical delays: %w", notification.ErrNotFound)
	}
	if err != nil {
		return notification.CriticalDelays{}, fmt.Errorf("critical delays: %w", err)
	}
	out := notification.CriticalDelays{Period: doc.ID, AsOf: doc.AsOf.UTC(), Rows: make([]notification.CriticalDelay, len(doc.Rows))}
	for i, r := range doc.Rows {
		out.Rows[i] = notification.CriticalDelay{Department: r.Department, DelayDays: r.DelayDays, Projects: r.Projects,
			LateProjects: r.LateProjects}
	}
	return out, nil
}
