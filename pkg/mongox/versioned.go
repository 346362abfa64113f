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
// version moved and ErrNotFound when there is no such document.
//
// On MongoDB this is one atomic UpdateOne filtered on {_id, version}. On
// FerretDB v1 a filtered update is read, filter in Go, write back, and
// racing writers of one version all succeed (TestUpdateVersionedRace), so
// there the write is made exclusive by a claim: an insert of
// "<id>#<version+1>" into coll's claims collection, which exactly one
// racer wins. The winner checks the stored version by _id and writes by
// _id (the only filter FerretDB pushes down to its backend). Versions only
// grow and the version is read after the claim, so a late writer of the
// same version either meets the claim, reads a newer version and backs off
// at once, or claims after the claim is gone and reads a newer version all
// the same: which is why the claim of an applied write can be removed off
// the write's path, in batches (claims.go). A claim left by a writer that
// crashed is broken after ClaimLease.
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
	return updateClaimed(ctx, coll, id, version, update, true)
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
		err = updateClaimed(ctx, coll, id, version, update, false)
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

// updateClaimed writes update to document id from version under the claim
// of version+1 (see UpdateVersioned). bumps: update moves the version, so
// once it has applied the claim is removed later (claims.go); otherwise it
// goes at once.
func updateClaimed(ctx context.Context, coll *mongo.Collection, id any, version int64, update bson.D, bumps bool) error {
	c := claim{ID: fmt.Sprintf("%v#%d", id, version+1), Expires: time.Now().Add(ClaimLease).UTC()}
	if err := takeClaim(ctx, coll, id, version, c); err != nil {
		return err
	}
	err := atVersion(ctx, coll, id, version)
	if err == nil {
		err = updateByID(ctx, coll, id, update)
	}
	// The claim of a write that applied, or of one that met a newer
	// version, guards nothing any more.
	if bumps && (err == nil || errors.Is(err, ErrConflict)) {
		removeLater(coll, c.ID)
	} else {
		dropClaims(ctx, coll, c.ID)
	}
	return err
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
