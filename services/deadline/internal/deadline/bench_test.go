package deadline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/transport"
)

// BenchmarkFireDueBatch loads TUIJIN_BENCH_TIMERS timers (default
// 1,000,000: deadlines in the database, each with its pending timer in the
// JetStream scheduler, spread over a year of midnights), then makes 10,000
// more fall due at one instant and measures, on the wall clock, the lag
// from that instant to each one's event, with every part real: scheduler,
// fire consumer, FerretDB, event stream. It prints
//
//	deadline: 10000 due at once among 1000000: lag p50=…ms p99=…ms max=…ms, fired 10000 once
//	deadline: the burst took …ms of CPU from the instant to its last event, …µs a fire; … MB allocated, … GC cycles, live heap … MB
//	deadline: schedule publish …/s = …% of raw publish (…/s)
//
// With -benchtime Nx it fires N such batches, one after the other over the
// same load, each printing its first two lines. TUIJIN_BENCH_CPUPROFILE and
// TUIJIN_BENCH_ALLOCPROFILE name files for profiles of the (last) firing
// window alone.
//
// Run it with make bench-deadline, or
//
//	go test -run '^$' -bench FireDueBatch -benchtime 1x -timeout 60m ./services/deadline/internal/deadline/
func BenchmarkFireDueBatch(b *testing.B) {
	total, due := envInt("TUIJIN_BENCH_TIMERS", 1_000_000), envInt("TUIJIN_BENCH_DUE", 10_000)
	// As the service runs (transport.TimerFiredConsumer): a fire's worker
	// is free once its event is out, and the fire stays in hand until its
	// record, which on FerretDB comes seconds behind in a burst.
	workers := envInt("TUIJIN_BENCH_WORKERS", transport.TimerFiredConsumer.Workers)
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

	var p99s []time.Duration
	for round := 1; b.Loop(); round++ {
		// The steps fired in a round stay pending (their next a year
		// out), so each round's batch falls due among that many more.
		p99s = append(p99s, r.burst(b, fmt.Sprintf("due%d", round), total+(round-1)*due, due))
	}
	if len(p99s) > 1 {
		b.Logf("p99 of the %d bursts: %v", len(p99s), p99s)
	}
	fmt.Printf("deadline: schedule publish %.0f/s = %.0f%% of raw publish (%.0f/s)\n", scheduleRate, 100*scheduleRate/raw, raw)
	b.ReportMetric(float64(slices.Max(p99s).Milliseconds()), "lag_p99_ms")
}

// burst loads due more timers (named name) due at one instant, total
// with those pending already, waits until each has fired, prints the
// benchmark's lag line and CPU line and returns the lag's p99.
func (r *rig) burst(b *testing.B, name string, total, due int) time.Duration {
	at := time.Now().Add(20 * time.Second).Truncate(time.Second)
	r.mu.Lock()
	r.fired = r.fired[:0]
	r.mu.Unlock()
	r.load(b, name, due, func(int) time.Time { return at })
	// The garbage of the load is collected before the instant, as go
	// test collects before every benchmark. The embedded server's state
	// of a million timers (about 500 MB, which in production lives in the
	// server's own process) shares this heap: left to chance, a cycle
	// over it fell in the burst in about half the runs and took a third
	// of its CPU. Cycles the burst itself causes are counted below.
	runtime.GC()
	if left := time.Until(at); left < 2*time.Second {
		b.Fatalf("loading the batch and collecting its garbage left %s before the instant", left)
	}
	time.Sleep(time.Until(at.Add(-time.Second)))
	before := meterCPU()
	time.Sleep(time.Until(at))
	b.Logf("the second before the instant used %s of CPU", before(at).cpu.Round(time.Millisecond))
	stopProfile, stopAllocs := profileWindow(b, name), allocsWindow(b, name)
	cpu := meterCPU()
	testenv.WaitProgress(b, 2*time.Minute, "the batch to fire", func() uint64 {
		r.mu.Lock()
		defer r.mu.Unlock()
		return uint64(len(r.fired))
	}, uint64(due))
	stopProfile()
	stopAllocs()
	r.mu.Lock()
	fired := slices.Clone(r.fired)
	r.mu.Unlock()
	ats := make([]time.Time, len(fired))
	lags := make([]time.Duration, len(fired))
	once := map[string]bool{}
	for i, f := range fired {
		ats[i], lags[i] = f.At, f.At.Sub(f.StepAt)
		once[f.Deadline.ID] = true
	}
	slices.SortFunc(ats, time.Time.Compare)
	u := cpu(ats[len(ats)-1])
	var gap time.Duration
	gaps := 0
	for i := 1; i < len(ats); i++ {
		g := ats[i].Sub(ats[i-1])
		gap = max(gap, g)
		if g >= 50*time.Millisecond {
			gaps++
		}
	}
	b.Logf("events: largest gap %s, %d gaps of 50ms or more", gap, gaps)
	slices.Sort(lags)
	b.Logf("lag p1=%s p10=%s p25=%s", lags[len(lags)/100], lags[len(lags)/10], lags[len(lags)/4])
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	onceWord := "once"
	if len(once) != len(fired) || len(fired) != due {
		onceWord = fmt.Sprintf("NOT once (%d distinct of %d)", len(once), len(fired))
		b.Errorf("fired %d steps of %d distinct deadlines, want %d once each", len(fired), len(once), due)
	}
	p99 := lags[len(lags)*99/100]
	fmt.Printf("deadline: %d due at once among %d: lag p50=%sms p99=%sms max=%sms, fired %d %s\n",
		due, total, ms(lags[len(lags)/2]), ms(p99), ms(lags[len(lags)-1]), len(fired), onceWord)
	// The CPU the process (service, NATS server and FerretDB together)
	// spent from the instant to the last event: on a shared machine the
	// lag follows the load, this much less so.
	fmt.Printf("deadline: the burst took %s of CPU from the instant to its last event, %.0fµs a fire; %d MB allocated, %d GC cycles, live heap %d MB\n",
		u.cpu.Round(time.Millisecond), float64(u.cpu.Microseconds())/float64(due), u.gc.allocs>>20, u.gc.cycles, u.gc.live>>20)
	return p99
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
		// every deadline written, and each timer carries its register
		// revision: a fire then needs no database read.
		seeds := make([]jetstream.PubAckFuture, len(ds))
		for i, d := range ds {
			f, err := r.versions.SeedAsync(d.ID, d.Version)
			if err != nil {
				b.Fatal(err)
			}
			seeds[i] = f
		}
		select {
		case <-r.js.PublishAsyncComplete():
		case <-time.After(5 * time.Minute):
			b.Fatal("versions not acknowledged within 5 minutes")
		}
		t0 := time.Now()
		for i, d := range ds {
			tm := deadline.TimerOf(d)
			select {
			case ack := <-seeds[i].Ok():
				tm.Rev = ack.Sequence
			case err := <-seeds[i].Err():
				b.Fatal(err)
			}
			if err := r.timers.ScheduleAsync(ctx, tm); err != nil {
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

// profileWindow writes a CPU profile of the firing window of round to the
// file TUIJIN_BENCH_CPUPROFILE names, if any (roundPath; go test's
// -cpuprofile would take in the load too), until the window ends (see
// window).
func profileWindow(b *testing.B, round string) func() {
	path := os.Getenv("TUIJIN_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(roundPath(path, round))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return window(func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	})
}

// allocsWindow writes the allocation profile of round at the instant and
// as the window ends (see window) to the files TUIJIN_BENCH_ALLOCPROFILE
// names (roundPath) with ".before" and ".after" appended, if set: what the
// window allocated is
//
//	go tool pprof -sample_index=alloc_space -base $P.before $P.after
//
// up to the window's last GC cycle (the runtime adds allocations to the
// profile as cycles end: a window without one shows nothing).
func allocsWindow(b *testing.B, round string) func() {
	path := os.Getenv("TUIJIN_BENCH_ALLOCPROFILE")
	if path == "" {
		return func() {}
	}
	path = roundPath(path, round)
	// b.Error, not b.Fatal: the window may end on a timer's goroutine.
	write := func(name string) {
		f, err := os.Create(name)
		if err != nil {
			b.Error(err)
			return
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			b.Error(err)
		}
	}
	write(path + ".before")
	return window(func() { write(path + ".after") })
}

// window calls end once: TUIJIN_BENCH_PROFILE_SECONDS (2 when unset) from
// now, or at the returned func's call if that comes first.
func window(end func()) func() {
	var once sync.Once
	stop := func() { once.Do(end) }
	time.AfterFunc(time.Duration(envInt("TUIJIN_BENCH_PROFILE_SECONDS", 2))*time.Second, stop)
	return stop
}

// roundPath is the profile file path names for the batch of round: path
// itself for the first, path with the round's name before its extension
// for the others (p.prof, p.due2.prof, …).
func roundPath(path, round string) string {
	if round == "due1" {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + round + ext
}

// meterCPU samples the process's CPU time and garbage collection every
// 5 ms from now on; the returned func stops it and gives what was used
// from now to the first sample at or after until.
func meterCPU() func(until time.Time) usage {
	read := func() usage {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return usage{at: time.Now(), cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), gc: gcStats()}
	}
	var mu sync.Mutex
	samples := []usage{read()}
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s := read()
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
			}
		}
	}()
	return func(until time.Time) usage {
		close(stop)
		mu.Lock()
		defer mu.Unlock()
		end := samples[len(samples)-1]
		for _, s := range samples {
			if !s.at.Before(until) {
				end = s
				break
			}
		}
		first := samples[0]
		return usage{cpu: end.cpu - first.cpu, gc: gcStat{cycles: end.gc.cycles - first.gc.cycles,
			allocs: end.gc.allocs - first.gc.allocs, live: end.gc.live}}
	}
}

// usage is CPU and garbage collection over a span of time.
type usage struct {
	at  time.Time
	cpu time.Duration
	gc  gcStat
}

// gcStat is the process's garbage collection so far.
type gcStat struct{ cycles, live, allocs uint64 }

func gcStats() gcStat {
	ms := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(ms)
	return gcStat{cycles: ms[0].Value.Uint64(), live: ms[1].Value.Uint64(), allocs: ms[2].Value.Uint64()}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
