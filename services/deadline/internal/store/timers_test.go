package store

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

func testDB(t *testing.T) *mongo.Database {
	t.Helper()
	return testenv.Mongo(t).Database("tuijin_deadline_test")
}

var t0 = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

func timer(id string, at time.Time) deadline.Timer {
	return deadline.Timer{DeadlineID: id, Gen: 1, Level: deadline.LevelRed, At: at}
}

func ids(ts []deadline.Timer) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.DeadlineID
	}
	sort.Strings(out)
	return out
}

// fireAll claims and completes everything due at now, as an engine would,
// and returns the deadline ids fired.
func fireAll(t *testing.T, w *Timers, owner string, now time.Time) []string {
	t.Helper()
	ctx := context.Background()
	var fired []string
	for {
		due, err := w.Due(ctx, now, 100)
		if err != nil {
			t.Fatal(err)
		}
		claims, err := w.ClaimMany(ctx, due, owner, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var won []deadline.Timer
		for _, c := range claims {
			fired = append(fired, c.DeadlineID)
			won = append(won, c.Timer)
		}
		if err := w.CompleteMany(ctx, won); err != nil {
			t.Fatal(err)
		}
		if len(claims) == 0 {
			sort.Strings(fired)
			return fired
		}
	}
}

func TestTimersFireWhenDueAndOnlyOnce(t *testing.T) {
	ctx := context.Background()
	w := NewTimers(testDB(t))
	for i, at := range []time.Duration{time.Minute, 25 * time.Minute, 3 * time.Hour, 50 * time.Hour} {
		if err := w.Schedule(ctx, timer(fmt.Sprintf("d%d", i), t0.Add(at)), t0); err != nil {
			t.Fatal(err)
		}
	}
	// Scheduling the same step again is a no-op.
	if err := w.Schedule(ctx, timer("d0", t0.Add(time.Minute)), t0); err != nil {
		t.Fatal(err)
	}
	if got := fireAll(t, w, "a", t0); len(got) != 0 {
		t.Fatalf("fired before due: %v", got)
	}
	if got := fireAll(t, w, "a", t0.Add(30*time.Minute)); fmt.Sprint(got) != "[d0 d1]" {
		t.Fatalf("after 30 min: %v", got)
	}
	if got := fireAll(t, w, "a", t0.Add(30*time.Minute)); len(got) != 0 {
		t.Fatalf("fired twice: %v", got)
	}
	// A replica that starts fresh (no memory) after a long downtime finds
	// the rest once.
	fresh := NewTimers(w.db)
	if got := fireAll(t, fresh, "b", t0.Add(100*time.Hour)); fmt.Sprint(got) != "[d2 d3]" {
		t.Fatalf("after downtime: %v", got)
	}
	if got := fireAll(t, w, "a", t0.Add(101*time.Hour)); len(got) != 0 {
		t.Fatalf("fired again by the first replica: %v", got)
	}
}

func TestClaimIsExclusiveUntilTheLeaseRunsOut(t *testing.T) {
	ctx := context.Background()
	w := NewTimers(testDB(t))
	if err := w.Schedule(ctx, timer("d", t0), t0); err != nil {
		t.Fatal(err)
	}
	due, err := w.Due(ctx, t0.Add(time.Second), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due %v %v", due, err)
	}
	claim := func(w *Timers, owner string, at time.Time) (bool, bool) {
		c, err := w.ClaimMany(ctx, due, owner, at, 30*time.Second)
		if err != nil {
			t.Error(err)
		}
		return len(c) == 1, len(c) == 1 && c[0].Retry
	}
	if ok, retry := claim(w, "a", t0); !ok || retry {
		t.Fatal("first claim lost")
	}
	if ok, _ := claim(NewTimers(w.db), "b", t0.Add(10*time.Second)); ok {
		t.Fatal("a held claim was taken")
	}
	// "a" died: after its lease, exactly one of two claimants wins.
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, owner := range []string{"b", "c", "d", "e"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := NewTimers(w.db)
			if ok, _ := claim(r, owner, t0.Add(31*time.Second)); ok {
				t.Error("a claim lost at first sight was taken without looking")
			}
			ok, retry := claim(r, owner, t0.Add(34*time.Second))
			if ok && !retry {
				t.Error("a takeover is not marked as a retry")
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d claimants won an expired claim", wins)
	}
}

// A scheduler whose clock lags behind the walk places a timer into a
// bucket (or hour) the walk has already sealed: it moves on to a later one
// and the timer still fires.
func TestSealedBucketsAndHoursTurnLateTimersAway(t *testing.T) {
	ctx := context.Background()
	w := NewTimers(testDB(t))
	if err := w.Schedule(ctx, timer("early", t0.Add(time.Minute)), t0); err != nil {
		t.Fatal(err)
	}
	// The walk passes and seals the first bucket, and seals the empty
	// hours up to t0+5h.
	if got := fireAll(t, w, "a", t0.Add(5*time.Hour)); fmt.Sprint(got) != "[early]" {
		t.Fatalf("%v", got)
	}
	lagging := NewTimers(w.db)
	lagging.cursorOverride = t0 // reads an old cursor, as a slow replica might
	if err := lagging.Schedule(ctx, timer("late-bucket", t0.Add(2*time.Minute)), t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := lagging.Schedule(ctx, timer("late-hour", t0.Add(3*time.Hour)), t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := fireAll(t, w, "a", t0.Add(6*time.Hour)); fmt.Sprint(got) != "[late-bucket late-hour]" {
		t.Fatalf("late timers: %v", got)
	}
}

// Replicas scheduling into one bucket at once lose no timer and duplicate
// none; bulk loads interleave with them.
func TestConcurrentSchedulingLosesNothing(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	var wg sync.WaitGroup
	want := map[string]bool{}
	for r := 0; r < 3; r++ {
		w := NewTimers(db)
		var batch []deadline.Timer
		for i := 0; i < 60; i++ {
			id := fmt.Sprintf("r%d-%03d", r, i)
			want[id] = true
			if r == 2 {
				batch = append(batch, timer(id, t0.Add(time.Minute)))
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r == 2 {
				if err := w.ScheduleMany(ctx, batch, t0); err != nil {
					t.Error(err)
				}
				return
			}
			for i := 0; i < 60; i++ {
				if err := w.Schedule(ctx, timer(fmt.Sprintf("r%d-%03d", r, i), t0.Add(time.Minute)), t0); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got := fireAll(t, NewTimers(db), "a", t0.Add(time.Hour))
	if len(got) != len(want) {
		t.Fatalf("fired %d timers, want %d", len(got), len(want))
	}
	for i, id := range got {
		if !want[id] || (i > 0 && got[i-1] == id) {
			t.Fatalf("unexpected or duplicate %s", id)
		}
	}
}
