package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// Levels implements deadline.LevelStore: one document per deadline that has
// reached yellow or worse, _id the deadline's id. The collection holds only
// warned deadlines, not every running one, so counting it for the metrics
// costs in proportion to the yellow and overdue items.
type Levels struct {
	coll *mongo.Collection
}

// NewLevels returns the level records of db.
func NewLevels(db *mongo.Database) *Levels { return &Levels{coll: db.Collection("deadline_levels")} }

// EnsureIndexes declares the index the lists and counts use on MongoDB.
func (l *Levels) EnsureIndexes(ctx context.Context) error {
	return mongox.EnsureIndexes(ctx, l.coll,
		mongo.IndexModel{Keys: bson.D{{Key: "department", Value: 1}, {Key: "level", Value: 1}}})
}

type levelDoc struct {
	ID         string    `bson:"_id"`
	Department string    `bson:"department"`
	Kind       string    `bson:"kind"`
	Level      string    `bson:"level"`
	Rank       int       `bson:"rank"`
	RaisedAt   time.Time `bson:"raised_at"`
}

// Level implements deadline.LevelStore.
func (l *Levels) Level(ctx context.Context, id string) (deadline.Level, error) {
	var d levelDoc
	err := l.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return deadline.LevelGreen, nil
	}
	if err != nil {
		return "", fmt.Errorf("level of %s: %w", id, err)
	}
	return deadline.Level(d.Level), nil
}

// Raise implements deadline.LevelStore. It reads and writes by _id alone
// (any other filter scans on FerretDB). Raises of one deadline come one at a
// time, each from the timer of the step before, so read-then-write is safe.
func (l *Levels) Raise(ctx context.Context, d deadline.Deadline, lv deadline.Level) error {
	cur, err := l.Level(ctx, d.ID)
	if err != nil || cur.Rank() >= lv.Rank() {
		return err
	}
	_, err = l.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
		levelDoc{ID: d.ID, Department: d.Department, Kind: d.Kind, Level: string(lv), Rank: lv.Rank(),
			RaisedAt: time.Now().UTC()}, options.Replace().SetUpsert(true))
	if err != nil && !mongox.IsDuplicateKey(err) {
		return fmt.Errorf("raise %s to %s: %w", d.ID, lv, err)
	}
	return nil
}

// Clear implements deadline.LevelStore.
func (l *Levels) Clear(ctx context.Context, id string) error {
	if _, err := l.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("clear level of %s: %w", id, err)
	}
	return nil
}

// WithLevel implements deadline.LevelStore.
func (l *Levels) WithLevel(ctx context.Context, department string, lv deadline.Level) ([]string, error) {
	filter := bson.D{{Key: "level", Value: string(lv)}}
	if department != "" {
		filter = append(bson.D{{Key: "department", Value: department}}, filter...)
	}
	cur, err := l.coll.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("deadlines at %s: %w", lv, err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("deadlines at %s: %w", lv, err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// Counts implements deadline.LevelStore with one $group over the records.
func (l *Levels) Counts(ctx context.Context) (map[deadline.LevelKey]int, error) {
	cur, err := l.coll.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: bson.D{{Key: "department", Value: "$department"}, {Key: "level", Value: "$level"}}},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	})
	if err != nil {
		return nil, fmt.Errorf("count levels: %w", err)
	}
	var rows []struct {
		ID struct {
			Department string `bson:"department"`
			Level      string `bson:"level"`
		} `bson:"_id"`
		N int `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count levels: %w", err)
	}
	out := make(map[deadline.LevelKey]int, len(rows))
	for _, r := range rows {
		out[deadline.LevelKey{Department: r.ID.Department, Level: deadline.Level(r.ID.Level)}] = r.N
	}
	return out, nil
}
