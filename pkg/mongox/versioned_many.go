package mongox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Versioned is one write of UpdateVersionedMany: update applied to document
// ID if it is still at Version.
type Versioned struct {
	ID      any
	Version int64
	Update  bson.D
}

// manyParallel bounds the round trips UpdateVersionedMany has in flight.
const manyParallel = 16

// UpdateVersionedMany applies each write as UpdateVersioned would, with
// its own outcome (nil, ErrConflict, ErrNotFound or another error) at the
// same index, in fewer round trips: for writers that record many documents
// at once (fired timers).
//
// On MongoDB the writes go concurrently, each the one atomic UpdateOne of
// UpdateVersioned (a bulk write reports only how many matched, not which).
// On FerretDB the claims of all writes go in one unordered InsertMany (one
// SQLite transaction, where each single insert is one), the versions are
// read concurrently, the updates go by _id and the claims are removed
// together (those of applied writes a little later, see claims.go); a write whose claim was held is
// done alone afterwards, as UpdateVersioned does it (waiting out the
// holder, which may be another write of the same batch). Two writes of one
// document in a batch must not depend on each other: the second sees the
// version from before the batch.
func UpdateVersionedMany(ctx context.Context, coll *mongo.Collection, ws []Versioned) []error {
	errs := make([]error, len(ws))
	if len(ws) == 0 {
		return errs
	}
	ferret, err := isFerretDB(ctx, coll.Database().Client())
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	updates := make([]bson.D, len(ws))
	for i, w := range ws {
		updates[i] = append(w.Update[:len(w.Update):len(w.Update)],
			bson.E{Key: "$inc", Value: bson.D{{Key: VersionField, Value: int64(1)}}})
	}
	if !ferret {
		parallel(len(ws), func(i int) { errs[i] = updateAtomic(ctx, coll, ws[i].ID, ws[i].Version, updates[i]) })
		return errs
	}
	updateClaimedMany(ctx, coll, ws, updates, errs)
	return errs
}

func updateClaimedMany(ctx context.Context, coll *mongo.Collection, ws []Versioned, updates []bson.D, errs []error) {
	claims := ClaimsOf(coll)
	expires := time.Now().Add(ClaimLease).UTC()
	docs := make([]any, len(ws))
	ids := make(bson.A, len(ws))
	for i, w := range ws {
		c := claim{ID: fmt.Sprintf("%v#%d", w.ID, w.Version+1), Expires: expires}
		docs[i], ids[i] = c, c.ID
	}
	held := make([]bool, len(ws))
	_, err := claims.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bulk) && bulk.WriteConcernError == nil:
		for _, we := range bulk.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				errs[we.Index] = fmt.Errorf("claim %v: %w", ids[we.Index], we)
			}
			held[we.Index] = true
		}
	default:
		for i := range errs {
			errs[i] = fmt.Errorf("claim versions of %s: %w", coll.Name(), err)
		}
		return
	}
	parallel(len(ws), func(i int) {
		if !held[i] {
			errs[i] = atVersion(ctx, coll, ws[i].ID, ws[i].Version)
		}
	})
	// One by _id each: FerretDB runs every statement of an update
	// command as its own transaction anyway, and a bulk write of a few
	// hundred ran past the client's timeout on a loaded machine.
	for i := range ws {
		if !held[i] && errs[i] == nil {
			errs[i] = updateByID(ctx, coll, ws[i].ID, updates[i])
		}
	}
	// As in updateClaimed: the claims of writes that applied or met a
	// newer version go later, the others at once.
	var later, now []string
	for i, id := range ids {
		switch {
		case held[i]:
		case errs[i] == nil || errors.Is(errs[i], ErrConflict):
			later = append(later, id.(string))
		default:
			now = append(now, id.(string))
		}
	}
	removeLater(coll, later...)
	dropClaims(ctx, coll, now...)
	for i := range ws {
		if held[i] && errs[i] == nil {
			errs[i] = updateClaimed(ctx, coll, ws[i].ID, ws[i].Version, updates[i], true)
		}
	}
}

// parallel runs fn(0..n-1), at most manyParallel at once.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, manyParallel)
	for i := range n {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}
