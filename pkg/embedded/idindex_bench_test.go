package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// BenchmarkByID measures the operations by _id that the index serves, on
// FerretDB as it comes (idindex=false) and with the index (idindex=true):
//
//	go test -run '^$' -bench ByID ./pkg/embedded/
func BenchmarkByID(b *testing.B) {
	for _, docs := range []int{1_000, 10_000, 100_000} {
		for _, indexed := range []bool{false, true} {
			b.Run(fmt.Sprintf("docs=%d/idindex=%t", docs, indexed), func(b *testing.B) {
				coll := benchItems(b, docs, indexed)
				ctx := context.Background()
				// A spread of existing _ids, the same for every variant, from
				// mid-collection on: a scan that stops at its match costs
				// on the first call what it costs on average, and b.Loop
				// sizes the run by the first calls.
				id := func(i int) string { return fmt.Sprintf("item-%05d", (docs/2+i*7919)%docs) }

				b.Run("FindOne", func(b *testing.B) {
					i := 0
					for b.Loop() {
						if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id(i)}}).Err(); err != nil {
							b.Fatal(err)
						}
						i++
					}
					reportRate(b)
				})
				b.Run("UpdateOne", func(b *testing.B) {
					i := 0
					for b.Loop() {
						res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id(i)}},
							bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}})
						if err != nil || res.MatchedCount != 1 {
							b.Fatalf("UpdateOne %s = %+v, %v", id(i), res, err)
						}
						i++
					}
					reportRate(b)
				})
				// FerretDB pushes down a lone _id only: with a second field it
				// reads the whole collection, and only its write by _id is served.
				b.Run("FindOneAndUpdateByIDAndField", func(b *testing.B) {
					i := 0
					for b.Loop() {
						err := coll.FindOneAndUpdate(ctx,
							bson.D{{Key: "_id", Value: id(i)}, {Key: "state", Value: "open"}},
							bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}).Err()
						if err != nil {
							b.Fatalf("FindOneAndUpdate %s: %v", id(i), err)
						}
						i++
					}
					reportRate(b)
				})
				// The index costs every insert an entry.
				b.Run("InsertOne", func(b *testing.B) {
					i := 0
					for b.Loop() {
						doc := item(docs + i)
						if _, err := coll.InsertOne(ctx, doc); err != nil {
							b.Fatal(err)
						}
						i++
					}
					reportRate(b)
				})
			})
		}
	}
}

// BenchmarkIDIndexBuild measures building the index on a collection that
// has the documents already, as on the local launcher's first start with
// old data: FerretDB's writers to that database wait for as long.
func BenchmarkIDIndexBuild(b *testing.B) {
	dir := b.TempDir()
	f, err := startFerretDB("127.0.0.1:0", dir, nil, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Stop)
	insertItems(b, connect(b, f.URI()).Database("bench").Collection("items"), 0, 100_000)
	file := filepath.Join(dir, "bench.sqlite")
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(5000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	table := tableOf(b, db, "items")
	ctx := context.Background()
	for b.Loop() {
		if created, err := indexDatabase(ctx, file); err != nil || len(created) != 1 {
			b.Fatalf("indexDatabase = %v, %v", created, err)
		}
		b.StopTimer()
		if _, err := db.Exec(fmt.Sprintf("DROP INDEX %q", idIndexPrefix+table)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// benchItems starts a FerretDB with or without the _id index, fills a
// collection with docs items and, with the index, waits until it is built.
func benchItems(b *testing.B, docs int, indexed bool) *mongo.Collection {
	b.Helper()
	dir := b.TempDir()
	f, err := startFerretDB("127.0.0.1:0", dir, nil, indexed)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Stop)
	coll := connect(b, f.URI()).Database("bench").Collection("items")
	insertItems(b, coll, 0, docs)
	if indexed {
		db := openSQLite(b, filepath.Join(dir, "bench.sqlite"))
		waitForIDIndex(b, db, tableOf(b, db, "items"))
	}
	return coll
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
