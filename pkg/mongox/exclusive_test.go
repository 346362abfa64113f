package mongox_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// Claims across replicas rest on two operations FerretDB v1 performs as one
// SQL statement each, so exactly one of several racing callers succeeds:
// inserting a document with a given _id, and deleting one by _id. (A
// conditional update is not among them there: FerretDB reads, then writes
// the whole document, and racing updates of one version all "succeed".)
func TestExclusiveOperations(t *testing.T) {
	ctx := context.Background()
	coll := testenv.Mongo(t).Database("mongox_test").Collection("claims")
	const rounds, racers = 100, 4

	race := func(op func(round, racer int) bool) (multi, none int) {
		for round := range rounds {
			var wins atomic.Int32
			var wg sync.WaitGroup
			for r := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if op(round, r) {
						wins.Add(1)
					}
				}()
			}
			wg.Wait()
			switch wins.Load() {
			case 0:
				none++
			case 1:
			default:
				multi++
			}
		}
		return multi, none
	}

	multi, none := race(func(round, racer int) bool {
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: round}, {Key: "by", Value: racer}})
		if err != nil && !mongox.IsDuplicateKey(err) {
			t.Error(err)
		}
		return err == nil
	})
	if multi != 0 || none != 0 {
		t.Fatalf("insert by _id: %d rounds with several winners, %d with none", multi, none)
	}

	multi, none = race(func(round, _ int) bool {
		res, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: round}})
		if err != nil {
			t.Error(err)
			return false
		}
		return res.DeletedCount == 1
	})
	if multi != 0 || none != 0 {
		t.Fatalf("delete by _id: %d rounds with several winners, %d with none", multi, none)
	}
}
