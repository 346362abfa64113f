package bus_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// The register only grows, on the real server: an absent key reads as
// absent; advancing creates it; advancing to a lower or equal version
// changes nothing; 8 writers advancing one key at once, each to its own
// version, leave the highest; a seeded key reads back.
func TestVersionsOnlyGrow(t *testing.T) {
	ctx := context.Background()
	_, js := testenv.JetStream(t)
	v, err := bus.NewVersions(ctx, js, 1, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
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
		if err := v.Advance(ctx, id, step.to); err != nil {
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
			wg.Go(func() { errs <- v.Advance(ctx, key, int64(w+1)) })
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
	if err := v.SeedAsync("item:seeded", 1); err != nil {
		t.Fatal(err)
	}
	<-js.PublishAsyncComplete()
	if n, ok := read("item:seeded"); !ok || n != 1 {
		t.Fatalf("seeded key: version %d (present %v)", n, ok)
	}
}
