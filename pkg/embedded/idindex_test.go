package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The statements FerretDB v1.24.2 runs for a find, an update and a delete by
// _id (sqlite.collection.Query, UpdateAll and DeleteAll), written out rather than built from
// idExpr, so that an idExpr that FerretDB does not use fails the test.
const (
	ferretFindByID   = `SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`
	ferretUpdateByID = `UPDATE %q SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`
	ferretDeleteByID = `DELETE FROM %q WHERE _ferretdb_sjson->'$._id' IN (?)`
)

func TestIDIndexServesLookupsByID(t *testing.T) {
	dir := t.TempDir()
	f, err := StartFerretDB("127.0.0.1:0", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	ctx := context.Background()
	mdb := connect(t, f.URI()).Database("idindex")
	// Created after start: the background rounds must find it.
	coll := mdb.Collection("items")
	insertItems(t, coll, 0, 20_000)

	db := openSQLite(t, filepath.Join(dir, "idindex.sqlite"))
	table := tableOf(t, db, "items")
	waitForIDIndex(t, db, table)

	for q, args := range map[string][]any{
		ferretFindByID:   {`"item-00042"`},
		ferretUpdateByID: {`{}`, `"item-00042"`},
		ferretDeleteByID: {`"item-00042"`},
	} {
		plan := queryPlan(t, db, fmt.Sprintf(q, table), args...)
		if !strings.Contains(plan, "SEARCH") || !strings.Contains(plan, "USING INDEX "+idIndexPrefix+table) ||
			strings.Contains(plan, "SCAN") {
			t.Errorf("plan of %s:\n%s\nwant a SEARCH using index %s%s, no SCAN", q, plan, idIndexPrefix, table)
		}
	}

	// FerretDB's own explain runs EXPLAIN QUERY PLAN on the query it issues.
	var explain struct {
		QueryPlanner struct{ Plan []string } `bson:"queryPlanner"`
	}
	cmd := bson.D{{Key: "explain", Value: bson.D{
		{Key: "find", Value: "items"},
		{Key: "filter", Value: bson.D{{Key: "_id", Value: "item-00042"}}},
	}}}
	// EXPLAIN QUERY PLAN does not check SQLite's schema cookie: a pooled
	// FerretDB connection that last ran a statement before the index was
	// built explains on the schema it had then. A real query reloads it (and
	// uses the index), so one goes first; should the explain land on
	// another connection still stale, it is asked again.
	var got string
	end := time.Now().Add(30 * time.Second)
	for {
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "item-00042"}}).Err(); err != nil {
			t.Fatal(err)
		}
		if err := mdb.RunCommand(ctx, cmd).Decode(&explain); err != nil {
			t.Fatal(err)
		}
		got = strings.Join(explain.QueryPlanner.Plan, "\n")
		if strings.Contains(got, "USING INDEX "+idIndexPrefix+table) || time.Now().After(end) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(got, "USING INDEX "+idIndexPrefix+table) {
		t.Errorf("FerretDB explain of find {_id}:\n%s\nwant it to use %s%s", got, idIndexPrefix, table)
	}

	var doc struct{ N int }
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "item-00042"}}).Decode(&doc); err != nil || doc.N != 42 {
		t.Fatalf("FindOne item-00042 = %+v, %v; want n 42", doc, err)
	}

	// Dropping a collection drops its table and our index with it; the
	// collection made again under the same name (the same table name) is
	// indexed again.
	if err := coll.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	insertItems(t, coll, 0, 10)
	waitForIDIndex(t, db, tableOf(t, db, "items"))
}

func TestIDIndexCoversCollectionsOnDiskAtStart(t *testing.T) {
	dir := t.TempDir()
	plain, err := startFerretDB("127.0.0.1:0", dir, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	client := connect(t, plain.URI())
	insertItems(t, client.Database("idindex").Collection("items"), 0, 100)
	// FerretDB waits seconds for connected clients when it stops.
	_ = client.Disconnect(context.Background())
	plain.Stop()

	f, err := StartFerretDB("127.0.0.1:0", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	db := openSQLite(t, filepath.Join(dir, "idindex.sqlite"))
	if table := tableOf(t, db, "items"); !hasIDIndex(t, db, table) {
		t.Errorf("table %s has no index %s%s once StartFerretDB returned", table, idIndexPrefix, table)
	}
}

func connect(tb testing.TB, uri string) *mongo.Client {
	tb.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

// insertItems inserts items item-<from> up to item-<to - 1>.
func insertItems(tb testing.TB, coll *mongo.Collection, from, to int) {
	tb.Helper()
	const batch = 1_000
	for lo := from; lo < to; lo += batch {
		docs := make([]any, 0, batch)
		for i := lo; i < min(lo+batch, to); i++ {
			docs = append(docs, item(i))
		}
		if _, err := coll.InsertMany(context.Background(), docs); err != nil {
			tb.Fatal(err)
		}
	}
}

func item(i int) bson.D {
	return bson.D{
		{Key: "_id", Value: fmt.Sprintf("item-%05d", i)},
		{Key: "n", Value: i},
		{Key: "title", Value: fmt.Sprintf("问题 %d: 供应商报价单缺少签字", i)},
		{Key: "state", Value: "open"},
		{Key: "dept", Value: fmt.Sprintf("dept-%d", i%12)},
		{Key: "v", Value: 1},
	}
}

// openSQLite opens a database file of the running FerretDB read-only, as a
// second process would.
func openSQLite(tb testing.TB, file string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func tableOf(tb testing.TB, db *sql.DB, collection string) string {
	tb.Helper()
	var table string
	err := db.QueryRow(`SELECT table_name FROM "_ferretdb_collections" WHERE name = ?`, collection).Scan(&table)
	if err != nil {
		tb.Fatalf("table of collection %s: %v", collection, err)
	}
	return table
}

func hasIDIndex(tb testing.TB, db *sql.DB, table string) bool {
	tb.Helper()
	var n int
	err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ? AND tbl_name = ?`,
		idIndexPrefix+table, table).Scan(&n)
	if err != nil {
		tb.Fatal(err)
	}
	return n == 1
}

// waitForIDIndex polls until the indexer has indexed table, which takes up to
// a round (idIndexEvery) plus the index build.
func waitForIDIndex(tb testing.TB, db *sql.DB, table string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for !hasIDIndex(tb, db, table) {
		select {
		case <-ctx.Done():
			tb.Fatalf("no index %s%s on %s within 30 s", idIndexPrefix, table, table)
		case <-poll.C:
		}
	}
}

// queryPlan is SQLite's EXPLAIN QUERY PLAN of q, one detail line per step.
func queryPlan(tb testing.TB, db *sql.DB, q string, args ...any) string {
	tb.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			tb.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
