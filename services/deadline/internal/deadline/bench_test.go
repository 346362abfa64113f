package deadline_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/pkg/workday"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
)

// BenchmarkFireDueBatchAmongAMillion schedules 1,000,000 timers with bulk
// inserts — one bucket per day at Shanghai midnight over the coming year,
// where ladder steps fall — and then fires a batch of timers that falls due
// among them. A tick reads only the buckets up to now, so its cost follows
// the batch, not the million. It runs on the wall clock (the lag is real)
// and reports the time from the batch's due instant to its last red event,
// the firing lag p50 and p99 of those, and the heap in use after the run (an upper bound
// of the service's memory: the embedded FerretDB and NATS share the
// process).
//
//	go test -run '^$' -bench FireDueBatch -benchtime 1x -timeout 30m ./services/deadline/internal/deadline/
//
// TUIJIN_BENCH_TIMERS and TUIJIN_BENCH_DUE change the sizes.
func BenchmarkFireDueBatchAmongAMillion(b *testing.B) {
	total, due := envInt("TUIJIN_BENCH_TIMERS", 1_000_000), envInt("TUIJIN_BENCH_DUE", 10_000)
	ctx := context.Background()
	// The batch is of deadlines overdue for days; with the demo ladder their
	// next steps would be due at once too and fire alongside, so the
	// benchmark puts them a year out: it measures the batch, not the
	// catch-up behind it.
	policy := deadline.DefaultPolicy
	policy.UrgeDays = 250
	r := newRig(b, time.Now(), policy)

	loadStart := time.Now()
	midnight := workday.Day(time.Now()).AddDate(0, 0, 1)
	far := make([]deadline.Timer, 0, 50_000)
	for i := 0; i < total-due; i++ {
		far = append(far, deadline.Timer{DeadlineID: fmt.Sprintf("item:bench.far.%07d", i), Gen: 1,
			Level: deadline.LevelRed, At: midnight.AddDate(0, 0, 1+i%365)})
		if len(far) == cap(far) || i == total-due-1 {
			if err := r.timers.ScheduleMany(ctx, far, time.Now()); err != nil {
				b.Fatal(err)
			}
			far = far[:0]
		}
	}
	b.Logf("scheduled %d timers in %s", total-due, time.Since(loadStart).Round(time.Second))

	var (
		mu   sync.Mutex
		lags []time.Duration
	)
	engine := deadline.NewEngine(r.deadlines, r.levels, store.NewTimers(r.db()), r.pub, r.cal, r.policy, clock.System{},
		deadline.EngineConfig{Owner: "bench", Workers: 2, OnFired: func(l deadline.Level, _ string, lag time.Duration) {
			if l != deadline.LevelRed {
				return
			}
			mu.Lock()
			lags = append(lags, lag)
			mu.Unlock()
		}}, testenv.Logger())
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = engine.Run(runCtx, 100*time.Millisecond) }()
	defer func() { stop(); wg.Wait() }()

	b.ResetTimer()
	for iter := 0; iter < b.N; iter++ {
		b.StopTimer()
		// The due batch: overdue deadlines whose red step falls due in a
		// few seconds, all at the same instant (as at a midnight).
		ds := make([]deadline.Deadline, due)
		ts := make([]deadline.Timer, due)
		for i := range ds {
			ds[i] = deadline.ForItem(r.cal, deadline.ItemAssignment{ItemID: fmt.Sprintf("bench.due.%d.%06d", iter, i),
				Department: "zrzy", AssignedAt: time.Now().AddDate(0, 0, -10), PromisedDays: 5})
		}
		if err := r.deadlines.CreateMany(ctx, ds); err != nil {
			b.Fatal(err)
		}
		at := time.Now().Add(3 * time.Second)
		for i, d := range ds {
			ts[i] = deadline.Timer{DeadlineID: d.ID, Gen: d.Gen, Level: deadline.LevelRed, At: at}
		}
		if err := r.timers.ScheduleMany(ctx, ts, time.Now()); err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		lags = lags[:0]
		mu.Unlock()
		time.Sleep(time.Until(at))
		b.StartTimer()
		for {
			mu.Lock()
			n := len(lags)
			mu.Unlock()
			if n >= due {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		b.StopTimer()
		batch := time.Since(at)
		mu.Lock()
		sorted := slices.Clone(lags)
		mu.Unlock()
		slices.Sort(sorted)
		b.ReportMetric(batch.Seconds(), "batch_s")
		b.ReportMetric(float64(due)/batch.Seconds(), "timers/s")
		b.ReportMetric(sorted[len(sorted)/2].Seconds(), "lag_p50_s")
		b.ReportMetric(sorted[len(sorted)*99/100].Seconds(), "lag_p99_s")
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap_MB")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
