package bus_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// The register only grows, on the real server: an absent key reads as
// absent; advancing creates it; advancing to a lower or equal version
// changes nothing; 8 writers advancing one key at once, each to its own
// version, leave the highest; a seeded key reads back.
func TestVersionsOnlyGrow(t *testing.T) {
	ctx := context.Background()
	v, js := newRegister(t)
	read := func(id string) (int64, bool) {
		t.Helper()
		n, ok, err := v.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return n, ok
	}
	const id = "item:2026-370481-04-01-123456.lixiang"
	if n, ok := read(id); ok {
		t.Fatalf("absent key read as version %d", n)
	}
	for _, step := range []struct{ to, want int64 }{{1, 1}, {3, 3}, {2, 3}, {3, 3}, {4, 4}} {
		if _, err := v.Advance(ctx, id, step.to); err != nil {
			t.Fatal(err)
		}
		if n, ok := read(id); !ok || n != step.want {
			t.Fatalf("after advancing to %d: version %d (present %v), want %d", step.to, n, ok, step.want)
		}
	}
	for round := range 20 {
		key := fmt.Sprintf("item:race.%d", round)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				_, err := v.Advance(ctx, key, int64(w+1))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, ok := read(key); !ok || n != 8 {
			t.Fatalf("round %d: 8 racing writers left version %d (present %v), want 8", round, n, ok)
		}
	}
	seed, err := v.SeedAsync("item:seeded", 1)
	if err != nil {
		t.Fatal(err)
	}
	<-js.PublishAsyncComplete()
	if n, ok := read("item:seeded"); !ok || n != 1 {
		t.Fatalf("seeded key: version %d (present %v)", n, ok)
	}
	ack := <-seed.Ok()
	if rev, err := v.Revision(ctx, "item:seeded", 1); err != nil || rev != ack.Sequence {
		t.Fatalf("seeded key: revision %d (%v), its acknowledgement says %d", rev, err, ack.Sequence)
	}
}

// A revision proves a version unchanged, on the real server: Advance and
// Revision give the revision of exactly the version asked for (0 for a
// higher one), a swap from it succeeds once and moves the revision on, a
// swap from an old revision or of an absent key fails and changes
// nothing, and of 8 swaps from one revision at once exactly one wins.
func TestVersionsSwapFromARevision(t *testing.T) {
	ctx := context.Background()
	v, _ := newRegister(t)
	const id = "deadline:item:2026-370481-04-01-123456.lixiang"
	rev, err := v.Advance(ctx, id, 4)
	if err != nil || rev == 0 {
		t.Fatalf("advance to 4: revision %d, %v", rev, err)
	}
	if again, err := v.Advance(ctx, id, 4); err != nil || again != rev {
		t.Fatalf("advance to the version held: revision %d (%v), want %d", again, err, rev)
	}
	if higher, err := v.Advance(ctx, id, 3); err != nil || higher != 0 {
		t.Fatalf("advance below the version held: revision %d (%v), want 0", higher, err)
	}
	for version, want := range map[int64]uint64{4: rev, 3: 0, 5: 0} {
		if got, err := v.Revision(ctx, id, version); err != nil || got != want {
			t.Fatalf("revision at %d: %d (%v), want %d", version, got, err, want)
		}
	}
	next, ok, err := v.Swap(ctx, id, rev, 5)
	if err != nil || !ok || next == rev {
		t.Fatalf("swap from the current revision: %d %v %v", next, ok, err)
	}
	if _, ok, err := v.Swap(ctx, id, rev, 6); err != nil || ok {
		t.Fatalf("swap from an old revision succeeded (%v)", err)
	}
	if _, ok, err := v.Swap(ctx, "deadline:absent", 1, 2); err != nil || ok {
		t.Fatalf("swap of an absent key succeeded (%v)", err)
	}
	if n, _, err := v.Get(ctx, id); err != nil || n != 5 {
		t.Fatalf("after the swaps: version %d (%v), want 5", n, err)
	}
	exactlyOneWins(t, v, "swaps from one revision", func(key string, rev uint64) (bool, error) {
		_, ok, err := v.Swap(ctx, key, rev, 2)
		return ok, err
	})
}

// exactlyOneWins races 8 calls of try on a key at version 1 (with its
// revision) in each of 20 rounds: exactly one must win every round.
func exactlyOneWins(t *testing.T, v *bus.Versions, what string, try func(key string, rev uint64) (bool, error)) {
	t.Helper()
	for round := range 20 {
		key := fmt.Sprintf("deadline:race.%s.%d", strings.ReplaceAll(what, " ", "-"), round)
		rev, err := v.Advance(context.Background(), key, 1)
		if err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := try(key, rev)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d of 8 %s won, want 1", round, wins.Load(), what)
		}
	}
}

// A claim is exclusive, on the real server: the first claim of a version
// wins and the register holds it; another claim of that version is refused
// while the first is younger than the lease, and taken over after it (with
// the revision of the version held); a claim of a version below the one
// held is refused alike; of 8 claims of one version at once exactly one
// wins; an advance to the version held is not refused (it is not a claim).
func TestVersionsClaimIsExclusiveForItsLease(t *testing.T) {
	ctx := context.Background()
	v, _ := newRegister(t)
	// Long enough for the refusals below to come within it on a loaded
	// machine.
	v.Lease = 5 * time.Second
	const id = "deadline:item:claimed"
	if _, err := v.Advance(ctx, id, 1); err != nil {
		t.Fatal(err)
	}
	rev, ok, err := v.Claim(ctx, id, 2)
	if err != nil || !ok || rev == 0 {
		t.Fatalf("first claim of 2: revision %d, %v, %v", rev, ok, err)
	}
	claimed := time.Now()
	for _, version := range []int64{2, 1} {
		if r, ok, err := v.Claim(ctx, id, version); err != nil || ok || r != 0 {
			t.Fatalf("claim of %d while 2 is claimed: revision %d, %v, %v", version, r, ok, err)
		}
	}
	if r, err := v.Advance(ctx, id, 2); err != nil || r != rev {
		t.Fatalf("advance to the claimed version: revision %d (%v), want %d", r, err, rev)
	}
	time.Sleep(time.Until(claimed.Add(v.Lease + 100*time.Millisecond)))
	if r, ok, err := v.Claim(ctx, id, 2); err != nil || !ok || r != rev {
		t.Fatalf("claim of 2 after the lease: revision %d, %v, %v; want %d taken over", r, ok, err, rev)
	}
	if r, ok, err := v.Claim(ctx, id, 1); err != nil || !ok || r != 0 {
		t.Fatalf("claim of 1 below the expired 2: revision %d, %v, %v; want 0 taken over", r, ok, err)
	}
	v.Lease = time.Hour
	exactlyOneWins(t, v, "claims of one version", func(key string, _ uint64) (bool, error) {
		_, ok, err := v.Claim(ctx, key, 2)
		return ok, err
	})
}

// newRegister is the versions register on a server of the test's own,
// and that server's JetStream.
func newRegister(t *testing.T) (*bus.Versions, jetstream.JetStream) {
	t.Helper()
	_, js := testenv.JetStream(t)
	v, err := bus.NewVersions(context.Background(), js, 1, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	return v, js
}
