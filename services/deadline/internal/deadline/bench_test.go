package deadline_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// BenchmarkFireDueBatch loads TUIJIN_BENCH_TIMERS timers (default
// 1,000,000: deadlines in the database, each with its pending timer in the
// JetStream scheduler, spread over a year of midnights), then makes 10,000
// more fall due at one instant and measures, on the wall clock, the lag
// from that instant to each one's event, with every part real: scheduler,
// fire consumer, FerretDB, event stream. It prints
//
//	deadline: 10000 due at once among 1000000: lag p50=…ms p99=…ms max=…ms, fired 10000 once
//	deadline: schedule publish …/s = …% of raw publish (…/s)
//
// Run it with make bench-deadline, or
//
//	go test -run '^$' -bench FireDueBatch -benchtime 1x -timeout 60m ./services/deadline/internal/deadline/
func BenchmarkFireDueBatch(b *testing.B) {
	total, due := envInt("TUIJIN_BENCH_TIMERS", 1_000_000), envInt("TUIJIN_BENCH_DUE", 10_000)
	// Each fire is in hand until its step's record, which on FerretDB comes
	// tens of seconds behind the event in a burst: the replica holds the
	// whole batch at once, so that no event waits for an earlier record.
	workers := envInt("TUIJIN_BENCH_WORKERS", 12_000)
	// The batch's next steps are put a year out, so that the benchmark
	// measures the batch, not a catch-up behind it.
	policy := deadline.DefaultPolicy
	policy.UrgeDays = 250
	r := newRig(b, clock.System{}, policy)

	raw := rawPublishRate(b, r.js, 200_000)
	loadStart := time.Now()
	scheduleRate := r.load(b, "far", total-due, func(i int) time.Time {
		return time.Now().AddDate(0, 0, 1+i%365).Truncate(24 * time.Hour)
	})
	b.Logf("loaded %d timers in %s", total-due, time.Since(loadStart).Round(time.Second))
	r.replica(r.svc, workers)

	for b.Loop() {
		at := time.Now().Add(10 * time.Second).Truncate(time.Second)
		r.mu.Lock()
		r.fired = r.fired[:0]
		r.mu.Unlock()
		r.load(b, "due", due, func(int) time.Time { return at })
		time.Sleep(time.Until(at))
		testenv.WaitProgress(b, 2*time.Minute, "the batch to fire", func() uint64 {
			r.mu.Lock()
			defer r.mu.Unlock()
			return uint64(len(r.fired))
		}, uint64(due))
	}
	r.mu.Lock()
	fired := slices.Clone(r.fired)
	r.mu.Unlock()
	lags := make([]time.Duration, len(fired))
	once := map[string]bool{}
	for i, f := range fired {
		lags[i] = f.At.Sub(f.StepAt)
		once[f.Deadline.ID] = true
	}
	slices.Sort(lags)
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	onceWord := "once"
	if len(once) != len(fired) || len(fired) != due {
		onceWord = fmt.Sprintf("NOT once (%d distinct of %d)", len(once), len(fired))
		b.Errorf("fired %d steps of %d distinct deadlines, want %d once each", len(fired), len(once), due)
	}
	fmt.Printf("deadline: %d due at once among %d: lag p50=%sms p99=%sms max=%sms, fired %d %s\n",
		due, total, ms(lags[len(lags)/2]), ms(lags[len(lags)*99/100]), ms(lags[len(lags)-1]), len(fired), onceWord)
	fmt.Printf("deadline: schedule publish %.0f/s = %.0f%% of raw publish (%.0f/s)\n", scheduleRate, 100*scheduleRate/raw, raw)
	b.ReportMetric(float64(lags[len(lags)*99/100].Milliseconds()), "lag_p99_ms")
}

// load creates n deadlines (their next step red, due at at(i)) in bulk and
// sets their timers with async publishes, and returns the timers set per
// second.
func (r *rig) load(b *testing.B, name string, n int, at func(int) time.Time) float64 {
	b.Helper()
	ctx := context.Background()
	assigned := time.Now().AddDate(0, 0, -20)
	// Chunks small enough for one InsertMany to stay well within the
	// client's 30 s timeout on a loaded machine.
	const chunk = 1000
	var scheduling time.Duration
	for start := 0; start < n; start += chunk {
		ds := make([]deadline.Deadline, 0, chunk)
		for i := start; i < min(start+chunk, n); i++ {
			d := deadline.ForItem(r.cal, deadline.ItemAssignment{ItemID: fmt.Sprintf("bench.%s.%07d", name, i),
				Department: []string{"fgw", "zrzy", "sthj", "zjj"}[i%4], AssignedAt: assigned, PromisedDays: 5})
			d.Version, d.Level, d.NextLevel, d.NextAt = 1, deadline.LevelYellow, deadline.LevelRed, at(i)
			ds = append(ds, d)
		}
		if err := r.deadlines.CreateMany(ctx, ds); err != nil {
			b.Fatal(err)
		}
		// Registered before their timers are set, as Registered does for
		// every deadline written: a fire then needs no database read.
		for _, d := range ds {
			if err := r.versions.SeedAsync(d.ID, d.Version); err != nil {
				b.Fatal(err)
			}
		}
		select {
		case <-r.js.PublishAsyncComplete():
		case <-time.After(5 * time.Minute):
			b.Fatal("versions not acknowledged within 5 minutes")
		}
		t0 := time.Now()
		for _, d := range ds {
			if err := r.timers.ScheduleAsync(ctx, deadline.TimerOf(d)); err != nil {
				b.Fatal(err)
			}
		}
		select {
		case <-r.js.PublishAsyncComplete():
		case <-time.After(5 * time.Minute):
			b.Fatal("schedules not acknowledged within 5 minutes")
		}
		scheduling += time.Since(t0)
	}
	return float64(n) / scheduling.Seconds()
}

// rawPublishRate is JetStream's async publish rate of plain messages of the
// size of a timer, into a stream of their own, here and now.
func rawPublishRate(b *testing.B, js jetstream.JetStream, n int) float64 {
	b.Helper()
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BENCH_RAW", Subjects: []string{"bench.raw.>"},
		Storage: jetstream.FileStorage}); err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 200)
	t0 := time.Now()
	for i := range n {
		if _, err := js.PublishAsync("bench.raw."+strconv.Itoa(i%1024), body, jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	rate := float64(n) / time.Since(t0).Seconds()
	if err := js.DeleteStream(ctx, "BENCH_RAW"); err != nil {
		b.Fatal(err)
	}
	return rate
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
