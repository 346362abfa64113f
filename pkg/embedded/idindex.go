package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // FerretDB's own SQLite driver: pure Go, the same library version
)

// FerretDB v1.24.2's SQLite backend indexes the _id of every collection on
// _ferretdb_sjson->"_id" (metadata.Registry.indexesCreate quotes the path like
// an identifier, which SQLite takes for the string '_id'), but it filters by
// _id on idExpr (metadata.IDColumn: in Query for a lone {_id: string or
// ObjectID} filter, in UpdateAll and in DeleteAll). SQLite serves a query from
// an expression index only when the query has the indexed expression, so
// every find, update and delete by _id scanned the whole collection: FindOne
// by _id went from 266/s at 1k documents to 5.8/s at 100k. An index on idExpr
// itself makes it flat. FerretDB has no way to declare such an index and we do
// not patch it, so idIndexer adds one to every collection table, next to
// FerretDB's own indexes, through a connection of its own.
//
// The index is invisible to MongoDB clients (FerretDB lists the indexes kept
// in its metadata table), is not unique (FerretDB's index keeps _id unique),
// and goes away with its table when FerretDB drops the collection.
const (
	// idExpr is metadata.IDColumn, the text FerretDB puts in its WHERE
	// clauses; the index must be on this very expression.
	idExpr = `_ferretdb_sjson->'$._id'`
	// idIndexPrefix starts the index name, followed by the table name. Index
	// names FerretDB makes start with the table name instead.
	idIndexPrefix = "tuijin_id_"
	// idIndexEvery is how often new collections are looked for: services
	// and tests create collections at any time, and FerretDB tells no one.
	idIndexEvery = time.Second
	// idIndexBusyTimeout bounds how long a round waits for FerretDB's write
	// lock. Past it the round gives up and the next one tries again; FerretDB
	// itself waits up to 10 s for ours.
	idIndexBusyTimeout = time.Second
)

// idIndexer keeps an index on idExpr in every collection table of the
// FerretDB SQLite databases under dir.
type idIndexer struct {
	dir    string
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// startIDIndexer indexes the collections that exist, then keeps indexing new
// ones every interval until stop.
func startIDIndexer(dir string, every time.Duration, log *slog.Logger) *idIndexer {
	ctx, cancel := context.WithCancel(context.Background())
	x := &idIndexer{dir: dir, log: log, cancel: cancel, done: make(chan struct{})}
	// Synchronously, so that collections already on disk (a restarted local
	// launcher) are indexed before any service uses them.
	x.round(ctx)
	go x.loop(ctx, every)
	return x
}

func (x *idIndexer) loop(ctx context.Context, every time.Duration) {
	defer close(x.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			x.round(ctx)
		}
	}
}

// stop interrupts a running round and waits for the indexer to end.
func (x *idIndexer) stop() {
	x.cancel()
	<-x.done
}

// round indexes, in every database, the collection tables that lack the index.
// What fails (FerretDB holding the write lock, a table or database dropped
// meanwhile, a database file not yet initialised) is logged at debug level
// and tried again by the next round.
func (x *idIndexer) round(ctx context.Context) {
	files, err := filepath.Glob(filepath.Join(x.dir, "*.sqlite"))
	if err != nil {
		x.log.DebugContext(ctx, "ferretdb _id index: listing databases", "dir", x.dir, "err", err)
		return
	}
	for _, file := range files {
		if ctx.Err() != nil {
			return
		}
		created, err := indexDatabase(ctx, file)
		if len(created) > 0 {
			x.log.DebugContext(ctx, "ferretdb _id index: created", "file", file, "tables", created)
		}
		if err != nil && ctx.Err() == nil {
			x.log.DebugContext(ctx, "ferretdb _id index: retrying next round", "file", file, "err", err)
		}
	}
}

// indexDatabase creates the missing indexes in one database file and returns
// the tables it indexed. Its connection lives for this call only: FerretDB
// drops a database by deleting its file, and a connection kept open across
// that would keep the deleted database's WAL files in use.
func indexDatabase(ctx context.Context, file string) ([]string, error) {
	// mode=rw: a database dropped since the glob is not created again.
	dsn := fmt.Sprintf("file:%s?mode=rw&_pragma=busy_timeout(%d)", file, idIndexBusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	tables, err := tablesWithoutIDIndex(ctx, db)
	if err != nil {
		return nil, err
	}
	var created []string
	var errs []error
	for _, table := range tables {
		// Names are quoted with %q, as FerretDB quotes them, so that they
		// name the tables FerretDB created. Each statement is its own
		// transaction: the write lock is held for one index build at a time.
		q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %q ON %q (%s)", idIndexPrefix+table, table, idExpr)
		if _, err := db.ExecContext(ctx, q); err != nil {
			errs = append(errs, fmt.Errorf("table %s: %w", table, err))
			continue
		}
		created = append(created, table)
	}
	return created, errors.Join(errs...)
}

// tablesWithoutIDIndex lists the collection tables FerretDB's metadata table
// names that have no index of ours yet. It only reads, so it never waits for
// FerretDB (WAL mode): a round with nothing new costs an open and one query.
func tablesWithoutIDIndex(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT c.table_name FROM "_ferretdb_collections" c
		WHERE NOT EXISTS (
			SELECT 1 FROM sqlite_master m
			WHERE m.type = 'index' AND m.name = ? || c.table_name)`,
		idIndexPrefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}
