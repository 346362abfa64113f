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

// VersionField is the integer field every versioned document carries: 1
// when inserted, one more with every UpdateVersioned.
const VersionField = "version"

// Errors of versioned writes.
var (
	// ErrConflict: the document is no longer at the version the caller
	// read. Read it again and retry.
	ErrConflict = errors.New("document changed concurrently")
	// ErrNotFound: no document has the id.
	ErrNotFound = errors.New("document not found")
)

// ClaimLease is how long a claim of a version (FerretDB only, see
// UpdateVersioned) holds before another writer may break it. A writer that
// crashed between its claim and its write blocks the document this long.
const ClaimLease = 10 * time.Second

// UpdateVersioned applies update (an update document: $set, $push, …) to
// document id of coll if the document is still at version, and bumps its
// version, in one document write. Events to publish ride in the same write
// (outbox.Push adds them to update). It reports ErrConflict when the
// version moved and
// ErrNotFound when there is no such document.
//
// On MongoDB this is one atomic UpdateOne filtered on {_id, version}. On
// FerretDB v1 a filtered update is read, filter in Go, write back, and
// racing writers of one version all succeed (TestUpdateVersionedRace), so
// there the write is made exclusive by a claim: an insert of
// "<id>#<version+1>" into coll's claims collection, which exactly one
// racer wins. The winner checks the stored version by _id, writes by _id
// (the only filter FerretDB pushes down to its backend) and removes the
// claim. Versions only grow, so a late writer that claims after the claim
// is gone reads a newer version and backs off. A claim left by a writer
// that crashed is broken after ClaimLease.
//
// The choice between the two is made here, once per client.
func UpdateVersioned(ctx context.Context, coll *mongo.Collection, id any, version int64, update bson.D) error {
	update = append(update[:len(update):len(update)],
		bson.E{Key: "$inc", Value: bson.D{{Key: VersionField, Value: int64(1)}}})
	ferret, err := isFerretDB(ctx, coll.Database().Client())
	if err != nil {
		return err
	}
	if !ferret {
		return updateAtomic(ctx, coll, id, version, update)
	}
	return updateClaimed(ctx, coll, id, version, update)
}

// UpdateExclusive applies update to document id of coll without a version
// check and without bumping the version, excluding, on FerretDB, any
// versioned write of the document at the same time (a read-modify-write
// there would otherwise lose one of the two). On MongoDB it is a plain
// UpdateOne, atomic as every single-document write. The outbox relay pulls
// published events with it, so that it never moves the version its
// writers hold.
func UpdateExclusive(ctx context.Context, coll *mongo.Collection, id any, update bson.D) error {
	ferret, err := isFerretDB(ctx, coll.Database().Client())
	if err != nil {
		return err
	}
	if !ferret {
		return updateByID(ctx, coll, id, update)
	}
	for attempt := 0; ; attempt++ {
		version, err := storedVersion(ctx, coll, id)
		if err != nil {
			return err
		}
		// Holding the claim of the next version keeps versioned writers out.
		err = updateClaimed(ctx, coll, id, version, update)
		if !errors.Is(err, ErrConflict) || attempt == 20 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
}

func updateAtomic(ctx context.Context, coll *mongo.Collection, id any, version int64, update bson.D) error {
	res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: VersionField, Value: version}}, update)
	if err != nil {
		return fmt.Errorf("update %s %v: %w", coll.Name(), id, err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	return missingOrMoved(ctx, coll, id, version)
}

// missingOrMoved tells why a versioned write of id at version did not apply.
func missingOrMoved(ctx context.Context, coll *mongo.Collection, id any, version int64) error {
	cur, err := storedVersion(ctx, coll, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%s %v: %w", coll.Name(), id, ErrNotFound)
	case err != nil:
		return err
	}
	return fmt.Errorf("%s %v at version %d, not %d: %w", coll.Name(), id, cur, version, ErrConflict)
}

func storedVersion(ctx context.Context, coll *mongo.Collection, id any) (int64, error) {
	var doc struct {
		Version int64 `bson:"version"`
	}
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: VersionField, Value: 1}})).Decode(&doc)
	if IsNotFound(err) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("read version of %s %v: %w", coll.Name(), id, err)
	}
	return doc.Version, nil
}

type claim struct {
	ID      string    `bson:"_id"`
	Expires time.Time `bson:"expires"`
}

func updateClaimed(ctx context.Context, coll *mongo.Collection, id any, version int64, update bson.D) error {
	claims := ClaimsOf(coll)
	c := claim{ID: fmt.Sprintf("%v#%d", id, version+1), Expires: time.Now().Add(ClaimLease).UTC()}
	if err := takeClaim(ctx, claims, c); err != nil {
		return err
	}
	release := func() {
		// Detached: a cancelled caller must not leave the claim behind.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = claims.DeleteOne(rctx, bson.D{{Key: "_id", Value: c.ID}})
	}
	defer release()
	cur, err := storedVersion(ctx, coll, id)
	if err != nil {
		return err
	}
	if cur != version {
		return fmt.Errorf("%s %v at version %d, not %d: %w", coll.Name(), id, cur, version, ErrConflict)
	}
	return updateByID(ctx, coll, id, update)
}

// updateByID applies update to document id, reporting ErrNotFound if there
// is none.
func updateByID(ctx context.Context, coll *mongo.Collection, id any, update bson.D) error {
	res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	if err != nil {
		return fmt.Errorf("update %s %v: %w", coll.Name(), id, err)
	}
	if res.MatchedCount != 1 {
		return fmt.Errorf("%s %v: %w", coll.Name(), id, ErrNotFound)
	}
	return nil
}

// takeClaim inserts c. A claim held by a live writer is waited out, as
// MongoDB serialises two writes of one document: the holder may be the
// outbox relay (UpdateExclusive, which leaves the version alone) or a writer
// that fails, and then this write may still apply; the version check after
// the claim decides. A claim past its lease belongs to a writer that crashed
// and is broken.
func takeClaim(ctx context.Context, claims *mongo.Collection, c claim) error {
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		_, err := claims.InsertOne(ctx, c)
		if err == nil {
			return nil
		}
		if !IsDuplicateKey(err) {
			return fmt.Errorf("claim %s: %w", c.ID, err)
		}
		var held claim
		err = claims.FindOne(ctx, bson.D{{Key: "_id", Value: c.ID}}).Decode(&held)
		switch {
		case IsNotFound(err):
			continue // released meanwhile
		case err != nil:
			return fmt.Errorf("read claim %s: %w", c.ID, err)
		case time.Now().Before(held.Expires):
			select {
			case <-ctx.Done():
				return fmt.Errorf("claim %s held: %w", c.ID, ctx.Err())
			case <-time.After(wait):
			}
			continue
		}
		// The holder crashed (or stalled past the lease): break the claim.
		// Deleting by _id has one winner; whoever wins or loses the delete
		// races for the insert again.
		if _, err := claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: c.ID}}); err != nil {
			return fmt.Errorf("break claim %s: %w", c.ID, err)
		}
	}
}

// ClaimsOf is the collection that holds the version claims of coll on
// FerretDB: at any moment only the claims of writes in flight (and of
// writers that crashed, until broken), so it stays small.
func ClaimsOf(coll *mongo.Collection) *mongo.Collection {
	return coll.Database().Collection(coll.Name() + "_claims")
}

var servers sync.Map // *mongo.Client → bool (FerretDB)

// isFerretDB reports whether the client talks to FerretDB, which names
// itself in buildInfo. Asked once per client.
func isFerretDB(ctx context.Context, client *mongo.Client) (bool, error) {
	if v, ok := servers.Load(client); ok {
		return v.(bool), nil
	}
	var info bson.M
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("buildInfo: %w", err)
	}
	_, ferret := info["ferretdbVersion"]
	servers.Store(client, ferret)
	return ferret, nil
}

// IsFerretDB reports whether the client talks to FerretDB rather than
// MongoDB (for the few places that must know, such as tests that measure
// what FerretDB does).
func IsFerretDB(ctx context.Context, client *mongo.Client) (bool, error) {
	return isFerretDB(ctx, client)
}
