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
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"
)

type versionedDoc struct {
	ID      string         `bson:"_id"`
	Version int64          `bson:"version"`
	Winner  int            `bson:"winner"`
	Count   int            `bson:"count"`
	Outbox  []outbox.Entry `bson:"outbox,omitempty"`
}

// Eight writers race to move one document from the same version, round
// after round, on the real server: exactly one wins each round, and the
// document holds that winner's write with the version bumped once.
func TestUpdateVersionedRace(t *testing.T) {
	ctx := context.Background()
	client := testenv.Mongo(t)
	if ferret, err := mongox.IsFerretDB(ctx, client); err != nil || !ferret {
		t.Fatalf("the harness should run FerretDB (got ferret=%v, %v)", ferret, err)
	}
	coll := client.Database("mongox_test").Collection("versioned")
	if _, err := coll.InsertOne(ctx, versionedDoc{ID: "doc", Version: 1}); err != nil {
		t.Fatal(err)
	}
	const rounds, racers = 50, 8
	for round := range rounds {
		version := int64(round + 1)
		var mu sync.Mutex
		var winners []int
		var wg sync.WaitGroup
		start := make(chan struct{})
		for r := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				entry := outbox.Entry{ID: fmt.Sprintf("ev-%d-%d", round, r), Type: "test", Subject: "tuijin.test"}
				err := mongox.UpdateVersioned(ctx, coll, "doc", version, outbox.Push(
					bson.D{{Key: "$set", Value: bson.D{{Key: "winner", Value: r}, {Key: "count", Value: round + 1}}}}, entry))
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, r)
					mu.Unlock()
				case !errors.Is(err, mongox.ErrConflict):
					t.Errorf("round %d racer %d: %v", round, r, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: %d winners %v, want exactly one", round, len(winners), winners)
		}
		var got versionedDoc
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "doc"}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.Version != version+1 || got.Winner != winners[0] || got.Count != round+1 {
			t.Fatalf("round %d: stored version %d winner %d count %d, want %d, %d, %d",
				round, got.Version, got.Winner, got.Count, version+1, winners[0], round+1)
		}
		if len(got.Outbox) != round+1 || got.Outbox[round].ID != fmt.Sprintf("ev-%d-%d", round, winners[0]) {
			t.Fatalf("round %d: outbox %v, want the winner's entry appended", round, got.Outbox)
		}
	}
	// The claims of applied writes are removed a little later, in batches.
	testenv.WaitFor(t, 30*time.Second, "the claims to be removed after the races", func() bool {
		n, err := mongox.ClaimsOf(coll).CountDocuments(ctx, bson.D{})
		return err == nil && n == 0
	})
}

func TestUpdateVersionedErrors(t *testing.T) {
	ctx := context.Background()
	coll := testenv.Mongo(t).Database("mongox_test").Collection("versioned_errors")
	if err := mongox.UpdateVersioned(ctx, coll, "missing", 1, set("a", 1)); !errors.Is(err, mongox.ErrNotFound) {
		t.Fatalf("update of a missing document: %v, want ErrNotFound", err)
	}
	if _, err := coll.InsertOne(ctx, versionedDoc{ID: "doc", Version: 3}); err != nil {
		t.Fatal(err)
	}
	if err := mongox.UpdateVersioned(ctx, coll, "doc", 2, set("count", 9)); !errors.Is(err, mongox.ErrConflict) {
		t.Fatalf("update from a stale version: %v, want ErrConflict", err)
	}
	var got versionedDoc
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "doc"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.Count != 0 {
		t.Fatalf("a stale write changed the document: %+v", got)
	}
}

// A claim held by a live writer is waited out: the holder may leave the
// version alone (the outbox relay) or fail, and then the waiting write
// applies. A writer that crashed between its claim and its write leaves the
// claim; it blocks the document until the lease runs out, then the next
// writer breaks it.
func TestUpdateVersionedClaims(t *testing.T) {
	ctx := context.Background()
	coll := testenv.Mongo(t).Database("mongox_test").Collection("versioned_claims")
	if _, err := coll.InsertOne(ctx, versionedDoc{ID: "doc", Version: 1}); err != nil {
		t.Fatal(err)
	}
	claims := mongox.ClaimsOf(coll)
	live := bson.D{{Key: "_id", Value: "doc#2"}, {Key: "expires", Value: time.Now().Add(time.Minute).UTC()}}
	if _, err := claims.InsertOne(ctx, live); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := mongox.UpdateVersioned(short, coll, "doc", 1, set("count", 1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("write past a live claim: %v, want it to wait until its context ends", err)
	}
	done := make(chan error, 1)
	go func() { done <- mongox.UpdateVersioned(ctx, coll, "doc", 1, set("count", 1)) }()
	if _, err := claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: "doc#2"}}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("write after the holder released its claim without writing: %v", err)
	}

	stale := bson.D{{Key: "_id", Value: "doc#3"}, {Key: "expires", Value: time.Now().Add(-time.Second).UTC()}}
	if _, err := claims.InsertOne(ctx, stale); err != nil {
		t.Fatal(err)
	}
	if err := mongox.UpdateVersioned(ctx, coll, "doc", 2, set("count", 2)); err != nil {
		t.Fatalf("write past an expired claim: %v", err)
	}
	var got versionedDoc
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "doc"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.Count != 2 {
		t.Fatalf("after both writes: %+v, want version 3, count 2", got)
	}
}

// The claim of an applied write is removed off the write's path, so a late
// writer of the same version may meet it: the document is past that
// version, and the writer is told so at once rather than after the lease.
// The claims of applied writes go soon after, and with them any claim past
// its lease (of a writer that crashed, or stopped before removing its own).
func TestUpdateVersionedLeftoverClaims(t *testing.T) {
	ctx := context.Background()
	coll := testenv.Mongo(t).Database("mongox_test").Collection("versioned_leftover")
	if _, err := coll.InsertOne(ctx, versionedDoc{ID: "doc", Version: 2}); err != nil {
		t.Fatal(err)
	}
	claims := mongox.ClaimsOf(coll)
	leftover := bson.D{{Key: "_id", Value: "doc#2"}, {Key: "expires", Value: time.Now().Add(time.Hour).UTC()}}
	crashed := bson.D{{Key: "_id", Value: "other#7"}, {Key: "expires", Value: time.Now().Add(-time.Second).UTC()}}
	if _, err := claims.InsertMany(ctx, []any{leftover, crashed}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := mongox.UpdateVersioned(short, coll, "doc", 1, set("count", 1)); !errors.Is(err, mongox.ErrConflict) {
		t.Fatalf("stale write meeting the claim of its version: %v, want ErrConflict at once", err)
	}
	if err := mongox.UpdateVersioned(ctx, coll, "doc", 2, set("count", 2)); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "the applied write's and the expired claim to be removed", func() bool {
		n, err := claims.CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$ne", Value: "doc#2"}}}})
		return err == nil && n == 0
	})
	var got versionedDoc
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "doc"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.Count != 2 {
		t.Fatalf("after the writes: %+v, want version 3, count 2", got)
	}
}

// Writers of different documents at once share claim inserts (the ones
// that queue behind an insert in flight go in one InsertMany): each still
// gets its own outcome, the stale ones a conflict, and every other write
// applies once.
func TestUpdateVersionedConcurrentDocuments(t *testing.T) {
	ctx := context.Background()
	coll := testenv.Mongo(t).Database("mongox_test").Collection("versioned_docs")
	const docs, rounds = 16, 10
	for d := range docs {
		if _, err := coll.InsertOne(ctx, versionedDoc{ID: fmt.Sprintf("doc%d", d), Version: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for round := range rounds {
		version := int64(round + 1)
		var wg sync.WaitGroup
		errs := make([]error, 2*docs)
		for w := range 2 * docs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v := version
				if w >= docs {
					v = version - 1 // stale: the document moved past it
				}
				errs[w] = mongox.UpdateVersioned(ctx, coll, fmt.Sprintf("doc%d", w%docs), v, set("count", round+1))
			}()
		}
		wg.Wait()
		for w, err := range errs {
			switch {
			case w < docs && err != nil:
				t.Fatalf("round %d: write of doc%d: %v", round, w, err)
			case w >= docs && !errors.Is(err, mongox.ErrConflict):
				t.Fatalf("round %d: stale write of doc%d: %v, want ErrConflict", round, w%docs, err)
			}
		}
	}
	for d := range docs {
		var got versionedDoc
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("doc%d", d)}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.Version != rounds+1 || got.Count != rounds {
			t.Fatalf("doc%d: %+v, want version %d, count %d", d, got, rounds+1, rounds)
		}
	}
}

func set(k string, v any) bson.D { return bson.D{{Key: "$set", Value: bson.D{{Key: k, Value: v}}}} }
