package mongox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// Batches race batches and single writers on the real server: each round,
// eight batches (one holding the same document twice) and four single
// writes try to move the same ten documents from the same version, and
// every document has exactly one winner, whose write it holds; a write of
// a document that does not exist reports ErrNotFound, and no claim is left.
func TestUpdateVersionedManyRace(t *testing.T) {
	ctx := context.Background()
	coll := testenv.Mongo(t).Database("mongox_test").Collection("versioned_many")
	const docs, rounds, batches, singles = 10, 10, 8, 4
	for d := range docs {
		if _, err := coll.InsertOne(ctx, versionedDoc{ID: fmt.Sprintf("doc%d", d), Version: 1}); err != nil {
			t.Fatal(err)
		}
	}
	set := func(writer, round int) bson.D {
		return bson.D{{Key: "$set", Value: bson.D{{Key: "winner", Value: writer}, {Key: "count", Value: round + 1}}}}
	}
	for round := range rounds {
		version := int64(round + 1)
		var mu sync.Mutex
		wins := map[string][]int{}
		win := func(id string, writer int) {
			mu.Lock()
			defer mu.Unlock()
			wins[id] = append(wins[id], writer)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for b := range batches {
			wg.Go(func() {
				<-start
				var ws []mongox.Versioned
				for d := range docs {
					ws = append(ws, mongox.Versioned{ID: fmt.Sprintf("doc%d", d), Version: version, Update: set(b, round)})
				}
				if b == 0 {
					ws = append(ws, mongox.Versioned{ID: "doc0", Version: version, Update: set(b, round)},
						mongox.Versioned{ID: "missing", Version: version, Update: set(b, round)})
				}
				for i, err := range mongox.UpdateVersionedMany(ctx, coll, ws) {
					id := fmt.Sprint(ws[i].ID)
					switch {
					case id == "missing":
						if !errors.Is(err, mongox.ErrNotFound) {
							t.Errorf("round %d: a missing document reports %v", round, err)
						}
					case err == nil:
						win(id, b)
					case !errors.Is(err, mongox.ErrConflict):
						t.Errorf("round %d batch %d %s: %v", round, b, id, err)
					}
				}
			})
		}
		for s := range singles {
			wg.Go(func() {
				<-start
				id := fmt.Sprintf("doc%d", s)
				err := mongox.UpdateVersioned(ctx, coll, id, version, set(100+s, round))
				switch {
				case err == nil:
					win(id, 100+s)
				case !errors.Is(err, mongox.ErrConflict):
					t.Errorf("round %d single %d: %v", round, s, err)
				}
			})
		}
		close(start)
		wg.Wait()
		for d := range docs {
			id := fmt.Sprintf("doc%d", d)
			if len(wins[id]) != 1 {
				t.Fatalf("round %d: %s has winners %v, want exactly one", round, id, wins[id])
			}
			var got versionedDoc
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if got.Version != version+1 || got.Winner != wins[id][0] || got.Count != round+1 {
				t.Fatalf("round %d: %s at version %d winner %d count %d, want %d, %d, %d",
					round, id, got.Version, got.Winner, got.Count, version+1, wins[id][0], round+1)
			}
		}
	}
	// The claims of applied writes are removed a little later, in batches.
	testenv.WaitFor(t, 30*time.Second, "the claims to be removed after the races", func() bool {
		n, err := mongox.ClaimsOf(coll).CountDocuments(ctx, bson.D{})
		return err == nil && n == 0
	})
}
