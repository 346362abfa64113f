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

// A claim "<id>#<v+1>" makes the write of document id from version v
// exclusive on FerretDB (see UpdateVersioned). Once that write has applied,
// the claim guards nothing: the document is past v for good, since versions
// only grow, and a late writer from v that meets the claim reads the stored
// version and reports a conflict at once. So the claim of an applied write
// is not deleted on the write's critical path, which would be one more
// SQLite write transaction per write, each waiting its turn for the one
// SQLite writer: it is queued and removed with the others of its collection
// by one DeleteMany a little later. A claim whose write did not move the
// version (it failed, or is the outbox relay's UpdateExclusive) is deleted
// at once, since the next writer of that version waits for it.

type claim struct {
	ID      string    `bson:"_id"`
	Expires time.Time `bson:"expires"`
}

// ClaimsOf is the collection that holds the version claims of coll on
// FerretDB: the claims of writes in flight, of writes applied in the last
// moment (until the next removal, about claimRemovalDelay), and of writers
// that crashed (until their lease runs out), so it stays small.
func ClaimsOf(coll *mongo.Collection) *mongo.Collection {
	return coll.Database().Collection(coll.Name() + "_claims")
}

// claimRemovalDelay is how long the claims of applied writes gather before
// one DeleteMany removes them.
const claimRemovalDelay = 200 * time.Millisecond

// takeClaim inserts c, the claim of the write of document id of coll from
// version. When c is held already and the document is past version, the
// write can never apply: ErrConflict at once (the holder's write applied
// and its claim awaits removal, or it will). When the document is still at
// version, the holder is a live writer, waited out as MongoDB serialises
// two writes of one document: it may be the outbox relay (UpdateExclusive,
// which leaves the version alone) or a writer that fails, and then this
// write may still apply; the version check after the claim decides. A
// claim past its lease belongs to a writer that crashed and is broken.
func takeClaim(ctx context.Context, coll *mongo.Collection, id any, version int64, c claim) error {
	claims := ClaimsOf(coll)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		err := insertClaim(claims, c)
		if err == nil && ctx.Err() != nil {
			dropClaims(ctx, coll, c.ID)
			return fmt.Errorf("claim %s: %w", c.ID, ctx.Err())
		}
		if err == nil {
			return nil
		}
		if !IsDuplicateKey(err) {
			return fmt.Errorf("claim %s: %w", c.ID, err)
		}
		if err := atVersion(ctx, coll, id, version); err != nil {
			return err
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

// atVersion is nil when document id of coll is at version, and ErrConflict
// or ErrNotFound otherwise.
func atVersion(ctx context.Context, coll *mongo.Collection, id any, version int64) error {
	cur, err := storedVersion(ctx, coll, id)
	switch {
	case err != nil:
		return err
	case cur != version:
		return fmt.Errorf("%s %v at version %d, not %d: %w", coll.Name(), id, cur, version, ErrConflict)
	}
	return nil
}

// dropClaims deletes claims ids of coll now, for writes that left the
// version where it was. Detached: a cancelled caller must not leave its
// claims behind.
func dropClaims(ctx context.Context, coll *mongo.Collection, ids ...string) {
	if len(ids) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	claims := ClaimsOf(coll)
	if len(ids) == 1 {
		_, _ = claims.DeleteOne(rctx, bson.D{{Key: "_id", Value: ids[0]}})
		return
	}
	// The claims collection is small: a scan on FerretDB is cheap.
	_, _ = claims.DeleteMany(rctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
}

// insertClaim inserts c into claims. Inserts into one claims collection
// that arrive while one is in flight wait and go together in one unordered
// InsertMany, one SQLite write transaction on FerretDB where each InsertOne
// is one: concurrent writers of a collection then queue for SQLite's one
// writer once a batch, not once a claim. An insert in flight is not
// abandoned when its caller's context ends (takeClaim drops the claim
// then); it has insertTimeout of its own.
func insertClaim(claims *mongo.Collection, c claim) error {
	g := groupOf(claims)
	g.mu.Lock()
	if g.busy {
		item := queuedClaim{c: c, done: make(chan error, 1)}
		g.queue = append(g.queue, item)
		g.mu.Unlock()
		return <-item.done
	}
	g.busy = true
	g.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), insertTimeout)
	_, err := claims.InsertOne(ctx, c)
	cancel()
	g.handOver()
	return err
}

// insertTimeout bounds one claim insert or batch of them.
const insertTimeout = 10 * time.Second

type queuedClaim struct {
	c    claim
	done chan error
}

// handOver passes the claims that queued meanwhile to a goroutine that
// inserts them in batches while more queue, or marks g idle.
func (g *claimGroup) handOver() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.busy = false
		return
	}
	batch := g.queue
	g.queue = nil
	go func() {
		g.insertBatch(batch)
		g.handOver()
	}()
}

func (g *claimGroup) insertBatch(batch []queuedClaim) {
	docs := make([]any, len(batch))
	for i, q := range batch {
		docs[i] = q.c
	}
	ctx, cancel := context.WithTimeout(context.Background(), insertTimeout)
	defer cancel()
	_, err := g.claims.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	errs := make([]error, len(batch))
	var bulk mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bulk) && bulk.WriteConcernError == nil:
		for _, we := range bulk.WriteErrors {
			errs[we.Index] = we
		}
	default:
		for i := range errs {
			errs[i] = err
		}
	}
	for i, q := range batch {
		q.done <- errs[i]
	}
}

// claimsKey names a claims collection of one client.
type claimsKey struct {
	client   *mongo.Client
	db, coll string
}

// claimGroup is what the writers of one claims collection share: the
// inserts queued behind the one in flight and the claims of applied writes
// awaiting removal.
type claimGroup struct {
	claims *mongo.Collection

	mu    sync.Mutex
	busy  bool // an insert is in flight
	queue []queuedClaim

	rmu     sync.Mutex
	ids     []string // to remove
	running bool     // a removal goroutine runs
}

var groups sync.Map // claimsKey → *claimGroup

func groupOf(claims *mongo.Collection) *claimGroup {
	key := claimsKey{client: claims.Database().Client(), db: claims.Database().Name(), coll: claims.Name()}
	if g, ok := groups.Load(key); ok {
		return g.(*claimGroup)
	}
	g, _ := groups.LoadOrStore(key, &claimGroup{claims: claims})
	return g.(*claimGroup)
}

// removeLater queues claims ids of coll, whose writes have applied, for the
// next removal. A goroutine removes what is queued every claimRemovalDelay
// while there is any, started by the first claim that finds none running.
// Each removal also deletes every claim past its lease, so that the claims
// of a process that stopped before removing them (or crashed between its
// claim and its write) go the next time anyone writes the collection.
func removeLater(coll *mongo.Collection, ids ...string) {
	if len(ids) == 0 {
		return
	}
	g := groupOf(ClaimsOf(coll))
	g.rmu.Lock()
	defer g.rmu.Unlock()
	g.ids = append(g.ids, ids...)
	if !g.running {
		g.running = true
		go g.remove()
	}
}

func (g *claimGroup) remove() {
	for {
		time.Sleep(claimRemovalDelay)
		g.rmu.Lock()
		ids := g.ids
		g.ids = nil
		if len(ids) == 0 {
			g.running = false
			g.rmu.Unlock()
			return
		}
		g.rmu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		// A failure leaves the claims to the lease clause of a later
		// removal: they guard nothing meanwhile.
		_, _ = g.claims.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: time.Now().UTC()}}}},
		}}})
		cancel()
	}
}
