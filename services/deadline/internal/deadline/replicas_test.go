package deadline_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
)

// countingPublisher publishes to the real stream and counts what each
// replica asked to publish, so that a double firing shows even though the
// stream's duplicate window would drop the copy.
type countingPublisher struct {
	next deadline.Publisher
	mu   sync.Mutex
	byID map[string]int
}

func (p *countingPublisher) Publish(ctx context.Context, m event.Message) error {
	p.mu.Lock()
	p.byID[m.ID]++
	p.mu.Unlock()
	return p.next.Publish(ctx, m)
}

// overdueLoad creates n deadlines whose red step is due one hour before now
// (Tue 24 Nov 2026 01:00) and whose next step (urge) is due at the end of
// that day, with their red timers, in bulk.
func overdueLoad(t testing.TB, r *rig, n int) []deadline.Deadline {
	t.Helper()
	ctx := context.Background()
	ds := make([]deadline.Deadline, n)
	ts := make([]deadline.Timer, n)
	for i := range ds {
		ds[i] = deadline.ForItem(r.cal, deadline.ItemAssignment{ItemID: fmt.Sprintf("load.%06d", i),
			Department: []string{"fgw", "zrzy", "sthj", "zjj"}[i%4], AssignedAt: sh(2026, 11, 16, 9, 0), PromisedDays: 5})
		ts[i] = deadline.Timer{DeadlineID: ds[i].ID, Gen: ds[i].Gen, Level: deadline.LevelRed, At: ds[i].DueAt}
	}
	if !ds[0].DueAt.Equal(sh(2026, 11, 24, 0, 0)) {
		t.Fatalf("load due at %s", ds[0].DueAt)
	}
	for start := 0; start < n; start += 5000 {
		if err := r.deadlines.CreateMany(ctx, ds[start:min(start+5000, n)]); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.timers.ScheduleMany(ctx, ts, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return ds
}

// Two replicas over one database and one stream share 10,000 due timers:
// each step is published by exactly one of them, once.
func TestTwoReplicasNeverFireTheSameStepTwice(t *testing.T) {
	n := 10000
	if v, _ := strconv.Atoi(os.Getenv("REPLICAS_N")); v > 0 {
		n = v
	}
	r := newRig(t, sh(2026, 11, 23, 23, 0), deadline.DefaultPolicy)
	overdueLoad(t, r, n)
	r.clock.Set(sh(2026, 11, 24, 1, 0))
	spy := &countingPublisher{next: r.pub, byID: map[string]int{}}

	ctx := context.Background()
	engines := []*deadline.Engine{r.engineWith("replica-a", store.NewTimers(r.db()), spy),
		r.engineWith("replica-b", store.NewTimers(r.db()), spy)}
	claimed := make([]int, len(engines))
	start := time.Now()
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idle := 0; idle < 3; {
				k, err := e.Tick(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				claimed[i] += k
				if os.Getenv("REPLICAS_N") != "" {
					t.Logf("%s engine %d claimed %d (total %d)", time.Since(start).Round(time.Millisecond), i, k, claimed[i])
				}
				if k == 0 {
					idle++
				} else {
					idle = 0
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("two replicas fired %d timers in %s (claimed %v)", n, time.Since(start).Round(time.Millisecond), claimed)

	if claimed[0]+claimed[1] != n || claimed[0] == 0 || claimed[1] == 0 {
		t.Errorf("claims %v: want %d shared by both replicas", claimed, n)
	}
	if len(spy.byID) != n {
		t.Errorf("%d distinct events published, want %d", len(spy.byID), n)
	}
	for id, c := range spy.byID {
		if c != 1 {
			t.Errorf("event %s published %d times", id, c)
		}
	}
	got := emittedEvents(t, r.js)
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.id] {
			t.Errorf("stream holds event %s twice", e.id)
		}
		seen[e.id] = true
	}
	if len(got) != n {
		t.Errorf("stream holds %d clock events, want %d", len(got), n)
	}
}
