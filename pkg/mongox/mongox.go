// Package mongox connects to MongoDB (or FerretDB, which speaks its wire
// protocol) and holds the few helpers every store needs.
//
// What FerretDB v1 makes atomic, and what it does not, decides how Tuijin's
// stores coordinate replicas. Inserting a document with a given _id and
// deleting one by _id are single SQL statements: of several racing callers
// exactly one succeeds (TestExclusiveOperations). A conditional update or
// findOneAndUpdate is not: FerretDB reads the matching documents, filters
// them in Go and writes them back whole, so racing updates of one version
// all report success. Every optimistic write therefore goes through
// UpdateVersioned, which is one atomic UpdateOne on MongoDB and holds a
// claim (a unique insert) on FerretDB; the choice is made there, once.
package mongox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// Connect opens a client and pings the server, failing fast if it is down.
func Connect(ctx context.Context, uri string) (*mongo.Client, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(10 * time.Second).
		SetTimeout(30 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("mongo connect: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("mongo ping: %w", err)
	}
	return client, nil
}

// Ready is a readiness check for the client.
func Ready(client *mongo.Client) func(context.Context) error {
	return func(ctx context.Context) error { return client.Ping(ctx, readpref.Primary()) }
}

// EnsureIndexes declares a collection's indexes. FerretDB's SQLite backend
// accepts but does not use secondary indexes for queries; production MongoDB
// does, so hot paths are designed around _id and the indexes are declared
// for MongoDB.
//
// Indexes that already exist (by name) are left alone: asked to create again
// an existing index over the ledger's project documents, FerretDB v1.24
// panics in its connection handler ("slice bounds out of range") and drops
// the connection, so a service restarting over its data could not start.
// The e2e crash test restarts the ledger over its data.
func EnsureIndexes(ctx context.Context, coll *mongo.Collection, models ...mongo.IndexModel) error {
	if len(models) == 0 {
		return nil
	}
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return fmt.Errorf("list indexes of %s: %w", coll.Name(), err)
	}
	have := make(map[string]bool, len(specs))
	for _, s := range specs {
		have[s.Name] = true
	}
	var missing []mongo.IndexModel
	for _, m := range models {
		if !have[IndexName(m)] {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := coll.Indexes().CreateMany(ctx, missing); err != nil {
		return fmt.Errorf("indexes of %s: %w", coll.Name(), err)
	}
	return nil
}

// IndexName is the name MongoDB gives an index: the one set in its options,
// or its keys and directions joined with underscores ("a_1_b_-1").
func IndexName(m mongo.IndexModel) string {
	if m.Options != nil {
		var o options.IndexOptions
		for _, set := range m.Options.List() {
			_ = set(&o)
		}
		if o.Name != nil {
			return *o.Name
		}
	}
	keys, ok := m.Keys.(bson.D)
	if !ok {
		return ""
	}
	parts := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		parts = append(parts, k.Key, fmt.Sprint(k.Value))
	}
	return strings.Join(parts, "_")
}

// IsDuplicateKey reports a unique-index violation.
func IsDuplicateKey(err error) bool { return mongo.IsDuplicateKeyError(err) }

// IsNotFound reports that a single-document read found nothing.
func IsNotFound(err error) bool { return errors.Is(err, mongo.ErrNoDocuments) }

// FindAll runs a find on coll and converts every document it returns with
// conv, from the stored shape D to the domain's T.
func FindAll[D, T any](ctx context.Context, coll *mongo.Collection, filter any, conv func(D) T,
	opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", coll.Name(), err)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read %s: %w", coll.Name(), err)
	}
	out := make([]T, len(docs))
	for i, d := range docs {
		out[i] = conv(d)
	}
	return out, nil
}
