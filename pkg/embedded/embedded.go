// Package embedded runs the real NATS server (with JetStream) and FerretDB
// (MongoDB wire protocol on SQLite) inside a Go process: the local launcher
// and the test environment both use it.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/nats-io/nats-server/v2/server"
)

// NATS is a running embedded nats-server.
type NATS struct {
	srv *server.Server
}

// StartNATS starts nats-server with JetStream on host:port (port -1 picks a
// free one), storing streams under dir. With users, a client must log in as
// one of them and is held to its permissions (see NATSUsers); without, the
// server is open.
func StartNATS(host string, port int, dir string, users ...NATSUser) (*NATS, error) {
	opts := &server.Options{
		ServerName: "tuijin-local",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
		NoLog:      true,
		// The local default has one server; keep JetStream's memory modest.
		JetStreamMaxMemory: 256 << 20,
	}
	for _, u := range users {
		opts.Users = append(opts.Users, u.server())
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("nats server not ready within 15s")
	}
	return &NATS{srv: srv}, nil
}

// URL is the client URL.
func (n *NATS) URL() string { return n.srv.ClientURL() }

// Stop shuts the server down and waits for it.
func (n *NATS) Stop() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

// FerretDB is a running embedded FerretDB.
type FerretDB struct {
	uri    string
	ids    *idIndexer // nil when not indexing
	cancel context.CancelFunc
	done   chan struct{}
}

// StartFerretDB serves the MongoDB wire protocol on addr (port 0 picks a
// free one) with SQLite databases under dir. Every collection gets an
// index that serves FerretDB's lookups by _id (see idIndexer), within about
// idIndexEvery of its creation.
func StartFerretDB(addr, dir string, log *slog.Logger) (*FerretDB, error) {
	return startFerretDB(addr, dir, log, true)
}

// startFerretDB is StartFerretDB, optionally without the _id indexes, which
// is FerretDB as it comes: the benchmarks compare the two.
func startFerretDB(addr, dir string, log *slog.Logger, indexIDs bool) (*FerretDB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ferretdb dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    log,
	})
	if err != nil {
		return nil, fmt.Errorf("ferretdb: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	// MongoDBURI waits until the listener is up.
	fdb := &FerretDB{uri: f.MongoDBURI(), cancel: cancel, done: done}
	if indexIDs {
		fdb.ids = startIDIndexer(abs, idIndexEvery, log)
	}
	return fdb, nil
}

// URI is the MongoDB connection string.
func (f *FerretDB) URI() string { return f.uri }

// Stop closes the listener and the SQLite databases.
func (f *FerretDB) Stop() {
	// The indexer goes first: it must not open a database FerretDB is closing.
	if f.ids != nil {
		f.ids.stop()
	}
	f.cancel()
	<-f.done
}
