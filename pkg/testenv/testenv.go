// Package testenv starts real servers for tests: an embedded nats-server with
// JetStream and an embedded FerretDB, each private to the calling test and
// listening on loopback only.
package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/embedded"
	"github.com/tuijin/tuijin/pkg/mongox"
)

// NATS starts a JetStream-enabled nats-server for the test and returns its
// client URL. It is stopped when the test ends.
func NATS(t testing.TB) string {
	t.Helper()
	n, err := embedded.StartNATS("127.0.0.1", -1, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return n.URL()
}

// MongoURI starts a FerretDB for the test and returns its URI.
func MongoURI(t testing.TB) string {
	t.Helper()
	f, err := embedded.StartFerretDB("127.0.0.1:0", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	return f.URI()
}

// Mongo starts a FerretDB and returns a connected client.
func Mongo(t testing.TB) *mongo.Client {
	t.Helper()
	c, err := mongox.Connect(context.Background(), MongoURI(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

// JetStream starts a nats-server, creates Tuijin's streams and returns a
// JetStream handle for the test.
func JetStream(t testing.TB) (string, jetstream.JetStream) {
	t.Helper()
	url := NATS(t)
	nc, js, err := bus.Connect(url, t.Name(), discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bus.EnsureStreams(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	return url, js
}
