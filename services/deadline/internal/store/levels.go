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
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// Levels implements deadline.LevelStore with one small record per step a
// deadline has emitted, _id "<deadline id>|<level>". Records are only ever
// inserted (in bulk, by the firing engine) and deleted (when the deadline
// stops): on FerretDB an insert in bulk costs a fraction of an update, and a
// second insert of the same step collides on _id, which makes "emitted once"
// a property of the data. The collection holds only warned deadlines, so
// counting it for the metrics costs in proportion to the yellow and overdue
// items, not to every running deadline.
type Levels struct {
	colls shards // by deadline id, so all records of a deadline share one
}

// NewLevels returns the level records of db.
func NewLevels(db *mongo.Database) *Levels {
	return &Levels{colls: newShards(db, "deadline_levels", 16)}
}

// EnsureIndexes declares the index the lists and counts use on MongoDB.
func (l *Levels) EnsureIndexes(ctx context.Context) error {
	for _, c := range l.colls {
		if err := mongox.EnsureIndexes(ctx, c,
			mongo.IndexModel{Keys: bson.D{{Key: "department", Value: 1}, {Key: "level", Value: 1}}}); err != nil {
			return err
		}
	}
	return nil
}

type levelDoc struct {
	ID         string    `bson:"_id"`
	Deadline   string    `bson:"deadline"`
	Department string    `bson:"department"`
	Kind       string    `bson:"kind"`
	Level      string    `bson:"level"`
	Rank       int       `bson:"rank"`
	Bit        int       `bson:"bit"` // 1<<rank: their sum per deadline tells its highest step
	FiredAt    time.Time `bson:"fired_at"`
}

func levelID(id string, l deadline.Level) string { return id + "|" + string(l) }

// steps are the levels that have records, highest first.
var steps = func() []deadline.Level {
	var out []deadline.Level
	for i := len(deadline.Ladder) - 1; i > 0; i-- {
		out = append(out, deadline.Ladder[i])
	}
	return out
}()

// Fired implements deadline.LevelStore.
func (l *Levels) Fired(ctx context.Context, id string, lv deadline.Level) (bool, error) {
	err := l.colls.of(id).FindOne(ctx, bson.D{{Key: "_id", Value: levelID(id, lv)}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if mongox.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("step %s of %s: %w", lv, id, err)
	}
	return true, nil
}

// Level implements deadline.LevelStore: the highest step recorded.
func (l *Levels) Level(ctx context.Context, id string) (deadline.Level, error) {
	for _, lv := range steps {
		ok, err := l.Fired(ctx, id, lv)
		if err != nil {
			return "", err
		}
		if ok {
			return lv, nil
		}
	}
	return deadline.LevelGreen, nil
}

// Record implements deadline.LevelStore with one unordered bulk insert; a
// step already recorded is left as it is.
func (l *Levels) Record(ctx context.Context, fired []deadline.Fired) error {
	if len(fired) == 0 {
		return nil
	}
	byShard := map[*mongo.Collection][]any{}
	for _, f := range fired {
		c := l.colls.of(f.Deadline.ID)
		byShard[c] = append(byShard[c], levelDoc{ID: levelID(f.Deadline.ID, f.Level), Deadline: f.Deadline.ID,
			Department: f.Deadline.Department, Kind: f.Deadline.Kind, Level: string(f.Level), Rank: f.Level.Rank(),
			Bit: 1 << f.Level.Rank(), FiredAt: f.At.UTC()})
	}
	for c, docs := range byShard {
		if _, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil && !onlyDuplicates(err) {
			return fmt.Errorf("record steps: %w", err)
		}
	}
	return nil
}

// Clear implements deadline.LevelStore.
func (l *Levels) Clear(ctx context.Context, id string) error {
	for _, lv := range steps {
		if _, err := l.colls.of(id).DeleteOne(ctx, bson.D{{Key: "_id", Value: levelID(id, lv)}}); err != nil {
			return fmt.Errorf("clear level of %s: %w", id, err)
		}
	}
	return nil
}

// WithLevel implements deadline.LevelStore: the deadlines whose highest
// step is lv.
func (l *Levels) WithLevel(ctx context.Context, department string, lv deadline.Level) ([]string, error) {
	filter := bson.D{{Key: "level", Value: string(lv)}}
	if department != "" {
		filter = append(bson.D{{Key: "department", Value: department}}, filter...)
	}
	var docs []struct {
		Deadline string `bson:"deadline"`
	}
	for _, c := range l.colls {
		cur, err := c.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "deadline", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("deadlines at %s: %w", lv, err)
		}
		var part []struct {
			Deadline string `bson:"deadline"`
		}
		if err := cur.All(ctx, &part); err != nil {
			return nil, fmt.Errorf("deadlines at %s: %w", lv, err)
		}
		docs = append(docs, part...)
	}
	var ids []string
	for _, d := range docs {
		top, err := l.Level(ctx, d.Deadline)
		if err != nil {
			return nil, err
		}
		if top == lv {
			ids = append(ids, d.Deadline)
		}
	}
	return ids, nil
}

// Counts implements deadline.LevelStore: the highest step of each deadline,
// counted by department. FerretDB's $group knows only $sum and $count, so
// each record carries 1<<rank and their sum per deadline is the set of its
// steps; one aggregation over the records returns one row per deadline.
func (l *Levels) Counts(ctx context.Context) (map[deadline.LevelKey]int, error) {
	out := map[deadline.LevelKey]int{}
	for _, c := range l.colls {
		if err := countShard(ctx, c, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func countShard(ctx context.Context, c *mongo.Collection, out map[deadline.LevelKey]int) error {
	cur, err := c.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: bson.D{{Key: "deadline", Value: "$deadline"}, {Key: "department", Value: "$department"}}},
			{Key: "bits", Value: bson.D{{Key: "$sum", Value: "$bit"}}},
		}}},
	})
	if err != nil {
		return fmt.Errorf("count levels: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var row struct {
			ID struct {
				Department string `bson:"department"`
			} `bson:"_id"`
			Bits int64 `bson:"bits"`
		}
		if err := cur.Decode(&row); err != nil {
			return fmt.Errorf("count levels: %w", err)
		}
		top := 0
		for r := 1; r < len(deadline.Ladder); r++ {
			if row.Bits&(1<<r) != 0 {
				top = r
			}
		}
		if top > 0 {
			out[deadline.LevelKey{Department: row.ID.Department, Level: deadline.Ladder[top]}]++
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("count levels: %w", err)
	}
	return nil
}

// onlyDuplicates reports a bulk write whose every error is a duplicate key.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}
