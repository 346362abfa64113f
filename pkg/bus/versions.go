package bus

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// VersionsBucket is the key-value bucket of the versions register.
const VersionsBucket = "TUIJIN_VERSIONS"

// versionsTTL bounds the register: a key not advanced for that long goes,
// and a reader finds it absent, which is safe (see Versions).
const versionsTTL = 90 * 24 * time.Hour

// VersionsConfig is the register's bucket, with replicas for the cluster
// size. EnsureStreams creates it.
func VersionsConfig(replicas int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      VersionsBucket,
		Description: "Tuijin: the latest version of each record whose timers fire from JetStream",
		History:     1,
		TTL:         versionsTTL,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	}
}

// Versions is a register of the latest version of records kept in the
// database, in a JetStream key-value bucket, so that a fired timer can be
// checked against its record without a database read.
//
// A writer advances a record's version here before it writes the record
// (Advance), and versions here only grow, so whenever a key is present its
// version is at least the record's. A timer set at version v (after v was
// written) that finds v here therefore finds its record still at v. A
// version above the timer's, or none (never advanced, expired, or a writer
// that advanced and then failed to write), says nothing for certain: the
// reader asks the database.
//
// A writer that must be the only one at a version claims it (Claim): a
// claim holds against other writers for Lease, long enough for its writer
// to write the record (a fired step's record waits behind its burst);
// a writer that crashed in between leaves a claim that expires.
type Versions struct {
	kv jetstream.KeyValue
	js jetstream.JetStream
	// Lease is how long a claim holds against other writers
	// (DefaultClaimLease when zero).
	Lease time.Duration
}

// DefaultClaimLease is a claim's lease: well above a record's wait behind
// a burst (seconds), well below a fire's redelivery after its writer
// crashed (the fire consumer's AckWait, minutes).
const DefaultClaimLease = 15 * time.Second

// NewVersions binds the register, creating its bucket if it is missing
// (as CreateStreams does the streams: a bucket whose config differs from
// this release's is reported, not changed; EnsureStreams updates it).
func NewVersions(ctx context.Context, js jetstream.JetStream, replicas int, log *slog.Logger) (*Versions, error) {
	kv, err := js.KeyValue(ctx, VersionsBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, VersionsConfig(replicas))
		if errors.Is(err, jetstream.ErrBucketExists) {
			log.Warn("bucket config differs from this release's; operations must update it", "bucket", VersionsBucket)
			kv, err = js.KeyValue(ctx, VersionsBucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", VersionsBucket, err)
	}
	return &Versions{kv: kv, js: js}, nil
}

// versionKey encodes a record id (dots and colons in deadline ids) into
// the characters a key may hold.
func versionKey(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// Get returns id's version, false if none is registered.
func (v *Versions) Get(ctx context.Context, id string) (int64, bool, error) {
	e, ok, err := v.get(ctx, versionKey(id))
	return e.version, ok, err
}

// entry is a key's version, its revision and when it was written.
type entry struct {
	version int64
	rev     uint64
	at      time.Time
}

func (v *Versions) get(ctx context.Context, key string) (entry, bool, error) {
	e, err := v.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return entry{}, false, nil
	}
	if err != nil {
		return entry{}, false, fmt.Errorf("version of %s: %w", key, err)
	}
	n, err := strconv.ParseInt(string(e.Value()), 10, 64)
	if err != nil {
		return entry{}, false, fmt.Errorf("version of %s: %q is not a version", key, e.Value())
	}
	return entry{version: n, rev: e.Revision(), at: e.Created()}, true, nil
}

// Advance raises id's version to version, unless it is there already or
// higher; concurrent advances leave the highest. It returns the register's
// revision of id when id holds exactly version, else 0.
func (v *Versions) Advance(ctx context.Context, id string, version int64) (uint64, error) {
	rev, _, err := v.raise(ctx, id, version, func(entry) bool { return true })
	return rev, err
}

// Claim makes the caller the one writer of id at version: it raises id to
// version when id holds less (or nothing) and returns the revision. When
// id holds version or more already, another writer has claimed it and
// may not have written its record yet: Claim returns false while that
// claim is younger than Lease; an older one is of a writer that failed
// before it wrote, and Claim takes it over as Advance would (the revision
// when id holds exactly version, else 0).
func (v *Versions) Claim(ctx context.Context, id string, version int64) (uint64, bool, error) {
	lease := v.Lease
	if lease <= 0 {
		lease = DefaultClaimLease
	}
	return v.raise(ctx, id, version, func(e entry) bool { return time.Since(e.at) >= lease })
}

// raise raises id to version unless it holds version or more; then, if
// takeOver(e) of what it holds, it reports the revision of exactly version
// (or 0 above it), else false. A take-over is no compare-and-set: two
// writers taking over one expired claim both go on, and the record's own
// versioned write decides between them.
func (v *Versions) raise(ctx context.Context, id string, version int64, takeOver func(entry) bool) (uint64, bool, error) {
	key, val := versionKey(id), []byte(strconv.FormatInt(version, 10))
	for range 16 {
		cur, ok, err := v.get(ctx, key)
		var next uint64
		switch {
		case err != nil:
			return 0, false, err
		case ok && cur.version >= version:
			if !takeOver(cur) {
				return 0, false, nil
			}
			if cur.version == version {
				return cur.rev, true, nil
			}
			return 0, true, nil
		case ok:
			next, err = v.kv.Update(ctx, key, val, cur.rev)
		default:
			next, err = v.kv.Create(ctx, key, val)
		}
		if err == nil {
			return next, true, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return 0, false, fmt.Errorf("advance version of %s: %w", id, err)
		}
		// Another writer came between: read again.
	}
	return 0, false, fmt.Errorf("advance version of %s: contended", id)
}

// Revision returns the register's revision of id if id holds exactly
// version, else 0. A revision taken after the record was written at
// version, found unchanged later (Swap), proves the record still at
// version: every writer advances the register before it writes.
func (v *Versions) Revision(ctx context.Context, id string, version int64) (uint64, error) {
	e, ok, err := v.get(ctx, versionKey(id))
	if err != nil || !ok || e.version != version {
		return 0, err
	}
	return e.rev, nil
}

// Swap sets id to version if the register is still at revision rev, and
// returns the new revision; false if id was written since (or is gone).
// It is Advance and the check of a Revision in one round trip: the write
// of the key is a publish expecting rev as its subject's last sequence.
func (v *Versions) Swap(ctx context.Context, id string, rev uint64, version int64) (uint64, bool, error) {
	ack, err := publishWait(ctx, v.js, v.message(id, version), jetstream.WithExpectLastSequencePerSubject(rev))
	switch {
	case err == nil:
		return ack.Sequence, true, nil
	case wrongLastSequence(err):
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("swap version of %s: %w", id, err)
}

// message is the write of id at version into the bucket's stream.
func (v *Versions) message(id string, version int64) *nats.Msg {
	m := nats.NewMsg("$KV." + VersionsBucket + "." + versionKey(id))
	m.Data = []byte(strconv.FormatInt(version, 10))
	return m
}

// SeedAsync registers id at version without waiting for the server and
// without the compare of Advance: for bulk loads of new records only. The
// future's acknowledgement carries the key's revision (its sequence).
func (v *Versions) SeedAsync(id string, version int64) (jetstream.PubAckFuture, error) {
	f, err := v.js.PublishMsgAsync(v.message(id, version), jetstream.WithStallWait(bulkStallWait))
	if err != nil {
		return nil, fmt.Errorf("seed version of %s: %w", id, err)
	}
	return f, nil
}
