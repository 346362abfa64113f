package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// Timers implements deadline.TimerStore as a timing wheel addressed only by
// _id.
//
// Why not a range of _id sorted by due instant: FerretDB v1's SQLite backend
// pushes down a filter only when it is exactly {_id: <string>}; a range on
// _id, like any other filter, reads the whole collection, so a tick over a
// million timers would cost a million documents. The wheel makes a tick cost
// point reads in proportion to the timers due instead:
//
//   - Time is cut into buckets of BucketWidth. A timer lives in slot i of the
//     bucket holding its due instant: _id "s|<bucket>|<i>", in collection
//     "timers_<bucket>_<i/1024>" (see collection). Slots of a bucket
//     are filled densely from 0 by inserting at the first free one (an insert
//     of an existing _id fails atomically, on MongoDB and on FerretDB alike),
//     starting from a hint ("h|<bucket>") so that filling stays cheap.
//   - A tick walks the buckets from the cursor up to now and reads their
//     slots one by one until the first missing one; a replica remembers the
//     done prefix of each bucket, so it does not read fired slots again.
//   - Once a bucket is past and all its timers are done, it is sealed by
//     inserting a seal into its first free slot. A scheduler racing into
//     that bucket collides with the seal and moves to the next bucket; only
//     then does the cursor pass the bucket. A timer due while everything was
//     down is simply found on the walk after start and fires once.
//   - A claim is an insert of "<slot>#<k>" with a lease; the first insert
//     wins. If its owner dies, the next claimant inserts #k+1 after the lease.
//
// Updates that read and then write (findAndModify, $set with a condition)
// are not atomic on FerretDB v1 (it reads, filters in Go, then writes the
// whole document); nothing here relies on them for exclusion: claims and
// slots are inserts, done marks are written only by a claim's owner, and
// hints and the cursor are advisory (a stale value costs a re-read).
type Timers struct {
	db    *mongo.Database
	meta  *mongo.Collection // the cursor
	width time.Duration
	grace time.Duration

	// cursorOverride makes cursor() read a fixed, stale position (tests of
	// a lagging replica).
	cursorOverride time.Time

	mu        sync.Mutex
	done      map[int64]int          // bucket -> slots known done from 0
	completed map[int64]map[int]bool // bucket -> slots this replica knows are done
	held      map[string]time.Time   // slot -> lease of another replica's claim
	free      map[int64]int          // bucket -> next slot this replica will try
	locks     map[int64]*sync.Mutex
	liveHours map[int64]bool // hours known to hold timers (their mark is not a seal)
	colls     map[string]*mongo.Collection
}

// recheck is how long a replica skips a timer it just lost a claim on
// before it reads that claim (to take over an expired one).
const recheck = 2 * time.Second

// BucketWidth is the span of one bucket of the wheel.
const BucketWidth = 10 * time.Minute

// NewTimers returns the timer wheel of db.
func NewTimers(db *mongo.Database) *Timers {
	return &Timers{db: db, meta: db.Collection("timer_meta"), colls: map[string]*mongo.Collection{}, width: BucketWidth, grace: 5 * time.Second, done: map[int64]int{}, completed: map[int64]map[int]bool{}, held: map[string]time.Time{}, free: map[int64]int{}, locks: map[int64]*sync.Mutex{},
		liveHours: map[int64]bool{}}
}

type slotDoc struct {
	ID         string    `bson:"_id"`
	DeadlineID string    `bson:"deadline,omitempty"`
	Gen        int       `bson:"gen,omitempty"`
	Level      string    `bson:"level,omitempty"`
	At         time.Time `bson:"at"`
	Seal       bool      `bson:"seal,omitempty"`
}

type claimDoc struct {
	ID    string    `bson:"_id"`
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
}

type metaDoc struct {
	ID     string `bson:"_id"`
	Seal   bool   `bson:"seal,omitempty"`
	Bucket int64  `bson:"bucket,omitempty"`
	Next   int    `bson:"next,omitempty"`
	Slot   string `bson:"slot,omitempty"`
}

const cursorID = "cursor"

func (w *Timers) bucket(t time.Time) int64 { return t.UnixNano() / int64(w.width) }

func (w *Timers) bucketStart(b int64) time.Time { return time.Unix(0, b*int64(w.width)).UTC() }

// Buckets are grouped in hours. An hour no timer was ever placed in is
// passed with a single insert, so catching up after a long downtime costs
// one operation per hour, not one per bucket.
const bucketsPerHour = int64(time.Hour / BucketWidth)

func hourOf(b int64) int64 {
	if b < 0 {
		return (b - bucketsPerHour + 1) / bucketsPerHour
	}
	return b / bucketsPerHour
}

func firstBucket(hour int64) int64 { return hour * bucketsPerHour }

func hourID(hour int64) string { return "p|" + strconv.FormatInt(hour, 10) }

func bucketKey(b int64) string { return strconv.FormatInt(b, 10) }

func slotID(b int64, i int) string { return "s|" + bucketKey(b) + "|" + strconv.Itoa(i) }

func markID(t deadline.Timer) string {
	return "m|" + t.DeadlineID + "|" + strconv.Itoa(t.Gen) + "|" + string(t.Level)
}

// collection returns a collection of the wheel by name. The wheel's
// documents are spread over many small collections because FerretDB v1
// reads even an _id equality by scanning the table in SQL (its _id index
// expression differs from the one its queries use, so SQLite never picks
// it), with a LIMIT 1 that stops at the match: a point read costs in
// proportion to the size of its collection. Slots, their claims and done
// marks live 1024 slots to a collection; bookkeeping in 16 collections by
// hash; hour marks one collection a month. On MongoDB the split costs
// nothing: every read is still an _id lookup.
func (w *Timers) collection(name string) *mongo.Collection {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.colls[name]
	if !ok {
		c = w.db.Collection(name)
		w.colls[name] = c
	}
	return c
}

// hourColl holds the hour marks of some 32 days (about 770 documents).
func (w *Timers) hourColl(hour int64) *mongo.Collection {
	return w.collection("timer_hours_" + strconv.FormatInt(dayOf(firstBucket(hour))/32, 10))
}

// slotsPerCollection bounds the rows of a slot collection: its slots, their
// claims and done marks.
const slotsPerCollection = 1024

// slotColl is the collection of slot i of bucket b, its claims and done mark.
func (w *Timers) slotColl(b int64, i int) *mongo.Collection {
	return w.collection("timers_" + bucketKey(b) + "_" + strconv.Itoa(i/slotsPerCollection))
}

// metaColl is the collection of a bookkeeping document (bucket hint,
// schedule mark): one of 16, by hash of id. Point reads of these are off
// the firing path (a bucket's hint once per replica, schedule marks on
// retries and in the lifecycle); inserts check uniqueness by index.
func (w *Timers) metaColl(_ int64, id string) *mongo.Collection {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return w.collection("timer_meta_" + strconv.Itoa(int(h.Sum32()%16)))
}

// Days of the wheel's collections begin at midnight in Asia/Shanghai.
const (
	bucketsPerDay = int64(24 * time.Hour / BucketWidth)
	dayOffset     = int64(8 * time.Hour / BucketWidth)
)

func dayOf(b int64) int64 {
	x := b + dayOffset
	if x < 0 {
		return (x - bucketsPerDay + 1) / bucketsPerDay
	}
	return x / bucketsPerDay
}

func (w *Timers) findMeta(ctx context.Context, id string) (metaDoc, bool, error) {
	return findMetaIn(ctx, w.meta, id)
}

func findMetaIn(ctx context.Context, c *mongo.Collection, id string) (metaDoc, bool, error) {
	var m metaDoc
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m)
	if mongox.IsNotFound(err) {
		return metaDoc{}, false, nil
	}
	if err != nil {
		return metaDoc{}, false, fmt.Errorf("timer meta %s: %w", id, err)
	}
	return m, true, nil
}

func (w *Timers) findSlot(ctx context.Context, b int64, i int) (slotDoc, bool, error) {
	id := slotID(b, i)
	var s slotDoc
	err := w.slotColl(b, i).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&s)
	if mongox.IsNotFound(err) {
		return slotDoc{}, false, nil
	}
	if err != nil {
		return slotDoc{}, false, fmt.Errorf("timer slot %s: %w", id, err)
	}
	return s, true, nil
}

// insert reports false when the _id exists.
func insert(ctx context.Context, c *mongo.Collection, doc any) (bool, error) {
	_, err := c.InsertOne(ctx, doc)
	if mongox.IsDuplicateKey(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert into %s: %w", c.Name(), err)
	}
	return true, nil
}

// cursor returns the first bucket not yet sealed, starting the wheel at
// now's bucket when it has none.
func (w *Timers) cursor(ctx context.Context, now time.Time) (int64, error) {
	if !w.cursorOverride.IsZero() {
		return w.bucket(w.cursorOverride), nil
	}
	m, ok, err := w.findMeta(ctx, cursorID)
	if err != nil || ok {
		return m.Bucket, err
	}
	if _, err := insert(ctx, w.meta, metaDoc{ID: cursorID, Bucket: w.bucket(now)}); err != nil {
		return 0, err
	}
	m, _, err = w.findMeta(ctx, cursorID)
	return m.Bucket, err
}

// Schedule implements deadline.TimerStore.
func (w *Timers) Schedule(ctx context.Context, t deadline.Timer, now time.Time) error {
	mark := markID(t)
	marks := w.metaColl(w.bucket(t.At), mark)
	if _, ok, err := findMetaIn(ctx, marks, mark); err != nil || ok {
		return err
	}
	cur, err := w.cursor(ctx, now)
	if err != nil {
		return err
	}
	at := t.At
	if at.Before(now) {
		at = now
	}
	b := max(w.bucket(at), cur)
	slot, err := w.place(ctx, b, t)
	if err != nil {
		return err
	}
	// The mark comes after the slot: a crash between them schedules the
	// step twice, and the second copy finds the step fired and does nothing.
	if _, err := insert(ctx, marks, metaDoc{ID: mark, Slot: slot}); err != nil {
		return err
	}
	return nil
}

// place inserts t into the first free slot of bucket b or, if b is sealed,
// of a later bucket, and returns the slot's id.
//
// Slots must stay dense: the walk ends a bucket at its first missing slot.
// So a slot is only ever skipped after it was seen taken, and within one
// replica the inserts into a bucket go one at a time, from a counter that
// starts at the shared hint; between replicas a collision moves the
// counter on.
func (w *Timers) place(ctx context.Context, b int64, t deadline.Timer) (string, error) {
	for {
		live, err := w.openHour(ctx, hourOf(b))
		if err != nil {
			return "", err
		}
		if !live {
			b = firstBucket(hourOf(b) + 1)
			continue
		}
		id, sealed, err := w.placeIn(ctx, b, t)
		if err != nil || !sealed {
			return id, err
		}
		b++
	}
}

func (w *Timers) placeIn(ctx context.Context, b int64, t deadline.Timer) (string, bool, error) {
	lock := w.bucketLock(b)
	lock.Lock()
	defer lock.Unlock()
	w.mu.Lock()
	i, known := w.free[b]
	w.mu.Unlock()
	if !known {
		hint, _, err := findMetaIn(ctx, w.metaColl(b, "h|"+bucketKey(b)), "h|"+bucketKey(b))
		if err != nil {
			return "", false, err
		}
		i = hint.Next
	}
	for {
		id := slotID(b, i)
		ok, err := insert(ctx, w.slotColl(b, i), slotDoc{ID: id, DeadlineID: t.DeadlineID, Gen: t.Gen,
			Level: string(t.Level), At: t.At.UTC()})
		if err != nil {
			return "", false, err
		}
		if ok {
			w.mu.Lock()
			w.free[b] = i + 1
			w.mu.Unlock()
			w.setHint(ctx, b, i+1)
			return id, false, nil
		}
		var sealed bool
		if i, sealed, err = w.firstFree(ctx, b, i); err != nil || sealed {
			return "", sealed, err
		}
	}
}

// firstFree returns the first free slot of bucket b after slot from, which
// was found taken, and whether the bucket is sealed. Slots are dense, so it
// gallops forward and bisects (a few reads, where a walk slot by slot past
// another replica's bulk insert would cost one per slot); the last taken
// slot is a seal if the bucket is closed.
func (w *Timers) firstFree(ctx context.Context, b int64, from int) (int, bool, error) {
	exists := func(i int) (bool, error) {
		_, ok, err := w.findSlot(ctx, b, i)
		return ok, err
	}
	lo, step := from, 1
	hi := lo + step
	for {
		ok, err := exists(hi)
		if err != nil {
			return 0, false, err
		}
		if !ok {
			break
		}
		lo, step = hi, step*2
		hi = lo + step
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := exists(mid)
		if err != nil {
			return 0, false, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	last, _, err := w.findSlot(ctx, b, lo)
	if err != nil {
		return 0, false, err
	}
	return hi, last.Seal, nil
}

func (w *Timers) bucketLock(b int64) *sync.Mutex {
	w.mu.Lock()
	defer w.mu.Unlock()
	l, ok := w.locks[b]
	if !ok {
		l = &sync.Mutex{}
		w.locks[b] = l
	}
	return l
}

// openHour marks an hour as holding timers before one is placed in it, and
// reports false if the walk has already sealed the hour as empty. The mark
// and the hour's seal are the same _id, so exactly one of the two wins.
func (w *Timers) openHour(ctx context.Context, hour int64) (bool, error) {
	w.mu.Lock()
	live := w.liveHours[hour]
	w.mu.Unlock()
	if live {
		return true, nil
	}
	c := w.hourColl(hour)
	ok, err := insert(ctx, c, metaDoc{ID: hourID(hour)})
	if err != nil {
		return false, err
	}
	if !ok {
		m, _, err := findMetaIn(ctx, c, hourID(hour))
		if err != nil || m.Seal {
			return false, err
		}
	}
	w.mu.Lock()
	w.liveHours[hour] = true
	w.mu.Unlock()
	return true, nil
}

// sealHour closes a past hour that no timer was ever placed in; false if
// the hour holds timers.
func (w *Timers) sealHour(ctx context.Context, hour int64) (bool, error) {
	w.mu.Lock()
	live := w.liveHours[hour]
	w.mu.Unlock()
	if live {
		return false, nil
	}
	c := w.hourColl(hour)
	ok, err := insert(ctx, c, metaDoc{ID: hourID(hour), Seal: true})
	if err != nil || ok {
		return ok, err
	}
	m, _, err := findMetaIn(ctx, c, hourID(hour))
	if err == nil && !m.Seal {
		w.mu.Lock()
		w.liveHours[hour] = true
		w.mu.Unlock()
	}
	return m.Seal, err
}

func (w *Timers) setCursor(ctx context.Context, b int64) {
	// Filters here are {_id} alone: anything more is a scan on FerretDB.
	// A racing replica may set the cursor back; walking sealed hours and
	// buckets again costs reads, not firings.
	_, _ = w.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: cursorID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "bucket", Value: b}}}})
}

// setHint records where the next free slot of bucket b probably is. It is
// advisory: a lost or stale write only costs a longer probe.
func (w *Timers) setHint(ctx context.Context, b int64, next int) {
	_, _ = w.metaColl(b, "h|"+bucketKey(b)).UpdateOne(ctx, bson.D{{Key: "_id", Value: "h|" + bucketKey(b)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "next", Value: next}}}}, options.UpdateOne().SetUpsert(true))
}

// Due implements deadline.TimerStore.
func (w *Timers) Due(ctx context.Context, now time.Time, limit int) ([]deadline.Timer, error) {
	cur, err := w.cursor(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []deadline.Timer
	advance := true // every bucket walked so far is sealed
	next := cur     // where the cursor may move
	for b := cur; b <= w.bucket(now) && len(out) < limit; {
		if hour := hourOf(b); b == firstBucket(hour) && !now.Before(w.bucketStart(firstBucket(hour+1)).Add(w.grace)) {
			empty, err := w.sealHour(ctx, hour)
			if err != nil {
				return out, err
			}
			if empty {
				b = firstBucket(hour + 1)
				if advance {
					next = b
				}
				continue
			}
		}
		due, complete, err := w.walk(ctx, b, now, limit-len(out))
		if err != nil {
			return out, err
		}
		out = append(out, due...)
		sealed := false
		if complete && advance && !now.Before(w.bucketStart(b+1).Add(w.grace)) {
			if sealed, err = w.seal(ctx, b); err != nil {
				return out, err
			}
		}
		if advance && sealed {
			next = b + 1
			w.mu.Lock()
			delete(w.done, b)
			delete(w.completed, b)
			delete(w.free, b)
			delete(w.locks, b)
			w.mu.Unlock()
		} else {
			advance = false
		}
		b++
	}
	if next != cur {
		w.setCursor(ctx, next)
	}
	return out, nil
}

// walk reads bucket b from its known done prefix and returns its timers due
// by now that this replica does not know to be done or held by another
// replica's live claim, and whether every slot in it is known done.
func (w *Timers) walk(ctx context.Context, b int64, now time.Time, limit int) ([]deadline.Timer, bool, error) {
	w.mu.Lock()
	i := w.done[b]
	w.mu.Unlock()
	var out []deadline.Timer
	prefix := true
	for ; ; i++ {
		w.mu.Lock()
		known := w.completed[b][i]
		if known && prefix {
			w.done[b] = i + 1
		}
		until, held := w.held[slotID(b, i)]
		w.mu.Unlock()
		if known {
			continue
		}
		if held && until.After(now) {
			prefix = false
			continue
		}
		s, ok, err := w.findSlot(ctx, b, i)
		if err != nil {
			return out, false, err
		}
		if !ok || s.Seal {
			// The end of the bucket (a seal: another replica closed it).
			return out, prefix, nil
		}
		if s.At.After(now) {
			prefix = false
			continue
		}
		// Whether another replica completed it shows when claiming: its
		// first claim exists, and the done mark is read then, not here.
		prefix = false
		out = append(out, deadline.Timer{Slot: s.ID, DeadlineID: s.DeadlineID, Gen: s.Gen,
			Level: deadline.Level(s.Level), At: s.At.UTC()})
		if len(out) >= limit {
			return out, false, nil
		}
	}
}

func doneID(slot string) string { return slot + "#done" }

// slotDay is the collection a slot's claims and done mark live in.
func (w *Timers) slotDay(slot string) *mongo.Collection {
	b, i, _ := slotIndex(slot)
	return w.slotColl(b, i)
}

func (w *Timers) isDone(ctx context.Context, slot string) (bool, error) {
	err := w.slotDay(slot).FindOne(ctx, bson.D{{Key: "_id", Value: doneID(slot)}}).Err()
	if mongox.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("timer %s: %w", slot, err)
	}
	return true, nil
}

func (w *Timers) markDone(b int64, i int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.completed[b] == nil {
		w.completed[b] = map[int]bool{}
	}
	w.completed[b][i] = true
}

// slotIndex splits a slot id "s|<bucket>|<i>".
func slotIndex(id string) (int64, int, bool) {
	parts := strings.Split(id, "|")
	if len(parts) != 3 {
		return 0, 0, false
	}
	b, err1 := strconv.ParseInt(parts[1], 10, 64)
	i, err2 := strconv.Atoi(parts[2])
	return b, i, err1 == nil && err2 == nil
}

// seal closes bucket b at its first free slot; false if a timer took that
// slot first (the bucket is then walked again).
func (w *Timers) seal(ctx context.Context, b int64) (bool, error) {
	w.mu.Lock()
	i := w.done[b]
	w.mu.Unlock()
	for ; ; i++ {
		ok, err := insert(ctx, w.slotColl(b, i), slotDoc{ID: slotID(b, i), Seal: true})
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
		s, _, err := w.findSlot(ctx, b, i)
		if err != nil {
			return false, err
		}
		if s.Seal {
			return true, nil
		}
		if done, err := w.isDone(ctx, s.ID); err != nil || !done {
			return false, err
		}
	}
}

// ClaimMany implements deadline.TimerStore: one unordered bulk insert of
// first claims ("<slot>#0"); a timer whose first claim exists is claimed
// one by one, past expired leases.
func (w *Timers) ClaimMany(ctx context.Context, ts []deadline.Timer, owner string, now time.Time, lease time.Duration) ([]deadline.Claim, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	taken := map[int]bool{}
	for _, idx := range w.byDay(ts) {
		docs := make([]any, len(idx))
		for k, i := range idx {
			docs[k] = claimDoc{ID: ts[i].Slot + "#0", Owner: owner, Until: now.Add(lease).UTC()}
		}
		if _, err := w.slotDay(ts[idx[0]].Slot).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
			var bwe mongo.BulkWriteException
			if !errors.As(err, &bwe) || !onlyDuplicates(err) {
				return nil, fmt.Errorf("claim timers: %w", err)
			}
			for _, we := range bwe.WriteErrors {
				taken[idx[we.Index]] = true
			}
		}
	}
	var out []deadline.Claim
	for i, t := range ts {
		if !taken[i] {
			out = append(out, deadline.Claim{Timer: t})
			continue
		}
		// Lost to another replica, most likely just now: skip it without
		// a read, and look at its claim only on a later pass.
		w.mu.Lock()
		until, seen := w.held[t.Slot]
		if !seen {
			w.held[t.Slot] = now.Add(min(lease, recheck))
		}
		w.mu.Unlock()
		if !seen || until.After(now) {
			continue
		}
		ok, err := w.claimAfter(ctx, t, owner, now, lease)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, deadline.Claim{Timer: t, Retry: true})
		}
	}
	return out, nil
}

// claimAfter claims t whose first claim exists: it takes the next claim
// number once the latest lease has run out.
func (w *Timers) claimAfter(ctx context.Context, t deadline.Timer, owner string, now time.Time, lease time.Duration) (bool, error) {
	for k := 0; ; k++ {
		id := t.Slot + "#" + strconv.Itoa(k)
		if k > 0 {
			ok, err := insert(ctx, w.slotDay(t.Slot), claimDoc{ID: id, Owner: owner, Until: now.Add(lease).UTC()})
			if err != nil || ok {
				return ok, err
			}
		}
		var c claimDoc
		if err := w.slotDay(t.Slot).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
			if mongox.IsNotFound(err) {
				continue
			}
			return false, fmt.Errorf("claim %s: %w", id, err)
		}
		if k == 0 {
			// Completed by its owner (whose lease may still run)?
			done, err := w.isDone(ctx, t.Slot)
			if err != nil {
				return false, err
			}
			if done {
				if b, i, ok := slotIndex(t.Slot); ok {
					w.markDone(b, i)
				}
				return false, nil
			}
		}
		if c.Until.After(now) {
			w.mu.Lock()
			w.held[t.Slot] = c.Until
			w.mu.Unlock()
			return false, nil
		}
	}
}

// CompleteMany implements deadline.TimerStore: done marks are inserts, in
// one bulk.
func (w *Timers) CompleteMany(ctx context.Context, ts []deadline.Timer) error {
	if len(ts) == 0 {
		return nil
	}
	for _, idx := range w.byDay(ts) {
		docs := make([]any, len(idx))
		for k, i := range idx {
			docs[k] = bson.D{{Key: "_id", Value: doneID(ts[i].Slot)}}
		}
		if _, err := w.slotDay(ts[idx[0]].Slot).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil &&
			!onlyDuplicates(err) {
			return fmt.Errorf("complete timers: %w", err)
		}
	}
	for _, t := range ts {
		if b, i, ok := slotIndex(t.Slot); ok {
			w.markDone(b, i)
		}
		w.mu.Lock()
		delete(w.held, t.Slot)
		w.mu.Unlock()
	}
	return nil
}

// byDay groups the indexes of ts by the day collection of their slots.
func (w *Timers) byDay(ts []deadline.Timer) map[*mongo.Collection][]int {
	out := map[*mongo.Collection][]int{}
	for i, t := range ts {
		c := w.slotDay(t.Slot)
		out[c] = append(out[c], i)
	}
	return out
}

// Scheduled implements deadline.TimerStore.
func (w *Timers) Scheduled(ctx context.Context, t deadline.Timer) (bool, error) {
	_, ok, err := findMetaIn(ctx, w.metaColl(w.bucket(t.At), markID(t)), markID(t))
	return ok, err
}

// ScheduleMany places timers in bulk with InsertMany, for loading many
// timers at once (imports, benchmarks). Slots are numbered on from each
// bucket's hint and inserted in order, so a failure leaves the bucket
// dense; from a slot taken meanwhile (another replica, a sealed bucket) on,
// the rest of that bucket's timers fall back to Schedule, so the result is
// the same as scheduling them one by one.
func (w *Timers) ScheduleMany(ctx context.Context, ts []deadline.Timer, now time.Time) error {
	cur, err := w.cursor(ctx, now)
	if err != nil {
		return err
	}
	byBucket := map[int64][]deadline.Timer{}
	for _, t := range ts {
		at := t.At
		if at.Before(now) {
			at = now
		}
		b := max(w.bucket(at), cur)
		byBucket[b] = append(byBucket[b], t)
	}
	for b, group := range byBucket {
		rest, err := w.bulkPlace(ctx, b, group)
		if err != nil {
			return err
		}
		for _, t := range rest {
			if err := w.Schedule(ctx, t, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// bulkPlace inserts group into bucket b in slot order and returns the
// timers it could not place.
func (w *Timers) bulkPlace(ctx context.Context, b int64, group []deadline.Timer) ([]deadline.Timer, error) {
	live, err := w.openHour(ctx, hourOf(b))
	if err != nil || !live {
		return group, err
	}
	lock := w.bucketLock(b)
	lock.Lock()
	defer lock.Unlock()
	w.mu.Lock()
	next, known := w.free[b]
	w.mu.Unlock()
	if !known {
		hint, _, err := findMetaIn(ctx, w.metaColl(b, "h|"+bucketKey(b)), "h|"+bucketKey(b))
		if err != nil {
			return group, err
		}
		next = hint.Next
	}
	return w.bulkPlaceFrom(ctx, b, group, next)
}

// bulkPlaceFrom inserts group into bucket b from slot next on, holding the
// bucket's lock; it returns the timers left when the bucket is sealed.
func (w *Timers) bulkPlaceFrom(ctx context.Context, b int64, group []deadline.Timer, next int) ([]deadline.Timer, error) {
	for len(group) > 0 {
		// One insert per slot collection, so that it stays ordered.
		part := group[:min(slotsPerCollection-next%slotsPerCollection, len(group))]
		slots := make([]any, len(part))
		marks := make([]any, len(part))
		for i, t := range part {
			id := slotID(b, next+i)
			slots[i] = slotDoc{ID: id, DeadlineID: t.DeadlineID, Gen: t.Gen, Level: string(t.Level), At: t.At.UTC()}
			marks[i] = metaDoc{ID: markID(t), Slot: id}
		}
		placed := len(part)
		if _, err := w.slotColl(b, next).InsertMany(ctx, slots); err != nil {
			var bwe mongo.BulkWriteException
			if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 || bwe.WriteErrors[0].Code != 11000 {
				return group, fmt.Errorf("insert timers: %w", err)
			}
			placed = bwe.WriteErrors[0].Index // ordered: everything before it is in
		}
		if placed > 0 {
			byColl := map[*mongo.Collection][]any{}
			for i, m := range marks[:placed] {
				c := w.metaColl(w.bucket(part[i].At), markID(part[i]))
				byColl[c] = append(byColl[c], m)
			}
			for c, ms := range byColl {
				if _, err := c.InsertMany(ctx, ms, options.InsertMany().SetOrdered(false)); err != nil &&
					!onlyDuplicates(err) {
					return group[placed:], fmt.Errorf("insert timer marks: %w", err)
				}
			}
		}
		next += placed
		group = group[placed:]
		if placed < len(part) {
			// Another replica got there first: go on after its slots.
			free, sealed, err := w.firstFree(ctx, b, next)
			if err != nil || sealed {
				return group, err
			}
			next = free
		}
		w.mu.Lock()
		w.free[b] = next
		w.mu.Unlock()
		w.setHint(ctx, b, next)
	}
	return nil, nil
}
