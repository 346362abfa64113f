package mongox

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Batcher groups concurrent versioned writes to one collection: the writes
// that arrive while a batch is being written wait and go together in the
// next one (UpdateVersionedMany), so a burst of writers costs a few round
// trips per batch instead of a versioned write each. A goroutine writes
// batches while writes wait, started by the first write that finds none.
type Batcher struct {
	coll *mongo.Collection
	max  int

	mu      sync.Mutex
	queue   []*batched
	writing bool
}

type batched struct {
	w    Versioned
	done func(error)
}

// batchTimeout bounds one batch's write, whoever's context it runs on.
const batchTimeout = time.Minute

// While writes keep arriving (the queue grew within batchLinger) they are
// a burst, and the next batch is held until it pauses, for batchHold at
// most: a burst's writers are the work people wait for (a burst of fired
// timers: their events), its records only have to follow. On FerretDB a
// batch's write costs as much CPU as the fires it records, and written in
// the middle of the burst it took a tenth of the machine from them; with
// a 50 ms linger, 10,000 fires among 1,000,000 timers still found pauses
// enough to write a fifth of the window's CPU into FerretDB. A write
// alone waits batchLinger. Writers that must not overtake a held write
// wait for it themselves (the deadline's register claims).
const (
	batchLinger = 200 * time.Millisecond
	batchHold   = 5 * time.Second
)

// NewBatcher returns a batcher over coll writing at most max documents in
// a batch (256 when not positive).
func NewBatcher(coll *mongo.Collection, max int) *Batcher {
	if max <= 0 {
		max = 256
	}
	return &Batcher{coll: coll, max: max}
}

// WriteLater applies w in the next batch and calls done with its outcome
// (as UpdateVersioned would return it), on a goroutine of its own, once
// the batch is written.
func (b *Batcher) WriteLater(w Versioned, done func(error)) {
	b.mu.Lock()
	b.queue = append(b.queue, &batched{w: w, done: done})
	if !b.writing {
		b.writing = true
		go b.drain()
	}
	b.mu.Unlock()
}

// drain writes batches while writes wait.
func (b *Batcher) drain() {
	left := -1 // writes left waiting after the last batch was taken
	for {
		b.hold(left)
		b.mu.Lock()
		n := min(len(b.queue), b.max)
		if n == 0 {
			b.writing = false
			b.mu.Unlock()
			return
		}
		batch := b.queue[:n:n]
		b.queue = b.queue[n:]
		left = len(b.queue)
		b.mu.Unlock()
		ws := make([]Versioned, n)
		for i, item := range batch {
			ws[i] = item.w
		}
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		errs := UpdateVersionedMany(ctx, b.coll, ws)
		cancel()
		for i, item := range batch {
			go item.done(errs[i])
		}
	}
}

// hold returns once the queue has not grown for batchLinger, or after
// batchHold; at once when it has not grown from left while the last batch
// was written (what waits after a burst goes batch after batch).
func (b *Batcher) hold(left int) {
	size := func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.queue)
	}
	seen := size()
	if seen == left {
		return
	}
	for start := time.Now(); time.Since(start) < batchHold; {
		time.Sleep(batchLinger)
		n := size()
		if n == seen {
			return
		}
		seen = n
	}
}
