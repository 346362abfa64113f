package store

import (
	"context"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/outbox"
)

// A write's events are saved in the project document's outbox by the write
// itself and published right after it, as everywhere (pkg/outbox). What
// differs is how they leave the document. Pulling them at once would cost
// a second exclusive write of the whole document per action (on FerretDB
// a claim, two reads and a rewrite: more than the action's own write), so
// the ledger leaves published events where they are and the next write of
// the same ledger replaces the outbox with its own events. That write is
// based on the version whose outbox the store read (or wrote) itself, and
// nothing but pulls of published events changes an outbox without moving
// the version, so whatever the replaced outbox held is known, and is
// published again first unless this store published it (the stream's
// duplicate window drops a repeat). A ledger that is not written again has
// its last events pulled by the outbox sweep, which republishes them into
// that same window.

// withEvents adds the events out to update (a $set of the state): in
// place of the outbox of version base when the store knows it, onto it
// otherwise. It returns the outbox the update leaves, nil when unknown.
func (s *Store) withEvents(ctx context.Context, code string, base int64, set bson.D, out []outbox.Entry) (bson.D, []outbox.Entry) {
	k, ok := s.held.get(code)
	if !ok || k.version != base {
		return outbox.Push(bson.D{{Key: "$set", Value: set}}, out...), nil
	}
	var keep []outbox.Entry
	if !k.published && !s.publish(ctx, code, k.entries) {
		keep = k.entries // the sweep publishes them later
	}
	stored := append(slices.Clip(keep), out...)
	set = append(slices.Clip(set), bson.E{Key: outbox.Field, Value: stored})
	return bson.D{{Key: "$set", Value: set}}, stored
}

// publish publishes out in order and reports whether all went out; a
// failure leaves the rest to the next write or the sweep.
func (s *Store) publish(ctx context.Context, code string, out []outbox.Entry) bool {
	if s.pub == nil {
		return len(out) == 0
	}
	for _, e := range out {
		if err := s.pub.Publish(ctx, e.Message()); err != nil {
			s.log.Warn("publishing deferred to the outbox sweep", "project", code, "event", e.ID, "err", err)
			return false
		}
	}
	return true
}

// heldLedger is a ledger at one version as this store last read or wrote
// it: the document (for ProjectAt) and its outbox; published: every entry
// in the outbox was published by this store.
type heldLedger struct {
	version   int64
	doc       []byte
	entries   []outbox.Entry
	published bool
}

// heldLedgers remembers the ledgers this store touched lately, a bounded
// number of them. A ledger it forgot is read again, and a write based on a
// version it does not hold pushes its events onto the outbox, as safe, and
// leaves them to the sweep.
type heldLedgers struct {
	mu sync.Mutex
	m  map[string]heldLedger
}

// heldLimit bounds the ledgers held: about a day's worth of the ledgers a
// replica works on, each a few tens of KB at most.
const heldLimit = 1024

func (h *heldLedgers) get(code string) (heldLedger, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.m[code]
	return l, ok
}

func (h *heldLedgers) put(code string, l heldLedger) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cur, ok := h.m[code]; ok && cur.version > l.version {
		return // a slower reader of an older version
	}
	if _, ok := h.m[code]; !ok && len(h.m) >= heldLimit {
		for c := range h.m { // any one: map order is random
			delete(h.m, c)
			break
		}
	}
	h.m[code] = l
}

func (h *heldLedgers) forget(code string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, code)
}
