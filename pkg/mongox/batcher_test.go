package mongox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestBatcherWrites: forty writers at once through one batcher on the real
// server each get their own outcome — applied at the version they read, a
// conflict for a stale version, not found for a missing document — and
// every applied write is stored.
func TestBatcherWrites(t *testing.T) {
	ctx := context.Background()
	coll := testenv.Mongo(t).Database("mongox_test").Collection("batcher")
	const n = 40
	for d := range n {
		if _, err := coll.InsertOne(ctx, versionedDoc{ID: fmt.Sprintf("b%d", d), Version: 3}); err != nil {
			t.Fatal(err)
		}
	}
	b := mongox.NewBatcher(coll, 8)
	errs := make([]error, n+2)
	var wg sync.WaitGroup
	for i := range n + 2 {
		wg.Go(func() {
			id, version := fmt.Sprintf("b%d", i), int64(3)
			switch i {
			case n: // stale
				id, version = "b0", 2
			case n + 1:
				id = "missing"
			}
			out := make(chan error, 1)
			b.WriteLater(mongox.Versioned{ID: id, Version: version,
				Update: bson.D{{Key: "$set", Value: bson.D{{Key: "winner", Value: i}}}}}, func(err error) { out <- err })
			errs[i] = <-out
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("write %d: %v", i, errs[i])
		}
	}
	if !errors.Is(errs[n], mongox.ErrConflict) {
		t.Errorf("stale write: %v, want ErrConflict", errs[n])
	}
	if !errors.Is(errs[n+1], mongox.ErrNotFound) {
		t.Errorf("write of a missing document: %v, want ErrNotFound", errs[n+1])
	}
	for i := range n {
		var d versionedDoc
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("b%d", i)}}).Decode(&d); err != nil {
			t.Fatal(err)
		}
		if d.Version != 4 || d.Winner != i {
			t.Errorf("b%d: version %d winner %d, want 4 and %d", i, d.Version, d.Winner, i)
		}
	}
}
