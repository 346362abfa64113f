package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// streamEnvelopes reads the events on subject from the events stream.
func streamEnvelopes(t *testing.T, js jetstream.JetStream, subject string) []*eventv1.Envelope {
	t.Helper()
	var out []*eventv1.Envelope
	for _, m := range testenv.StreamMessages(t, js, bus.EventsStream, subject) {
		env, err := event.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

// TestBriefingsGoOutOncePerPeriod runs the briefing schedule of two
// replicas on one database and one stream, each calling it four times at
// once when the briefing falls due, then a replica started later: every
// period's briefing is on the stream exactly once, none is owed for the
// days before the schedule first ran, and the one a replica missed while
// down goes out when it is back.
func TestBriefingsGoOutOncePerPeriod(t *testing.T) {
	ctx := context.Background()
	db := testenv.Mongo(t).Database("tuijin_ledger_briefings_test")
	_, js := testenv.JetStream(t)
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	bj := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, workday.Zone)
	}
	clk := clock.NewManual(bj(2026, 12, 2, 10, 0), time.Millisecond) // installed on a Wednesday
	sch := ledger.BriefingSchedule{At: "08:30", BaseURL: "http://ledger.example"}
	type replica struct {
		svc *ledger.Service
		log *Briefings
	}
	start := func() replica {
		st := New(db, testenv.Logger())
		st.UsePublisher(pub)
		return replica{ledger.NewService(st, cat, func(string) bool { return true }, clk, ledger.WithCalendar(workday.Weekends{})),
			NewBriefings(db, pub, testenv.Logger())}
	}
	published := func() uint64 { return testenv.StreamCount(t, js, bus.EventsStream, event.TypeBriefingPublished) }
	run := func(r replica) int {
		t.Helper()
		n, err := r.svc.PublishBriefings(ctx, r.log, sch)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	a, b := start(), start()
	if n := run(a) + run(b); n != 0 || published() != 0 {
		t.Fatalf("installed on a Wednesday: %d published, %d on the stream; nothing is owed yet", n, published())
	}

	// Monday 08:30: both replicas race, four calls each.
	clk.Set(bj(2026, 12, 7, 8, 30))
	var total atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		r := a
		if i%2 == 1 {
			r = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := r.svc.PublishBriefings(ctx, r.log, sch)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	if total.Load() != 1 || published() != 1 {
		t.Fatalf("Monday: %d published by the calls, %d on the stream; want the last week's once", total.Load(), published())
	}

	// Restarted on Thursday: the week's briefing is recorded, nothing goes.
	clk.Set(bj(2026, 12, 10, 9, 0))
	c := start()
	if n := run(c); n != 0 || published() != 1 {
		t.Fatalf("after a restart: %d published, %d on the stream", n, published())
	}

	// Down over Monday 28 December, back on New Year's Day at 09:00: the
	// week of the 21st and December both go, once.
	clk.Set(bj(2027, 1, 1, 9, 0))
	if n := run(c) + run(start()); n != 2 || published() != 3 {
		t.Fatalf("New Year's Day: %d published, %d on the stream; want 2 more", n, published())
	}

	want := map[string]string{
		"briefing-weekly-2026-11-30": "2026-11-30..2026-12-06 http://ledger.example/v1/briefings/weekly.md?day=2026-11-30",
		"briefing-weekly-2026-12-21": "2026-12-21..2026-12-27 http://ledger.example/v1/briefings/weekly.md?day=2026-12-21",
		"briefing-monthly-2026-12":   "2026-12-01..2026-12-31 http://ledger.example/v1/briefings/monthly.md?month=2026-12",
	}
	for _, env := range streamEnvelopes(t, js, event.TypeBriefingPublished) {
		var ev ledgerv1.BriefingPublished
		if err := event.Payload(env, &ev); err != nil {
			t.Fatal(err)
		}
		got := ev.GetFirstDay() + ".." + ev.GetLastDay() + " " + ev.GetMarkdownUrl()
		if want[env.GetId()] != got || env.GetProducer() != ledger.Producer {
			t.Errorf("event %s: %s by %s, want %q", env.GetId(), got, env.GetProducer(), want[env.GetId()])
		}
		delete(want, env.GetId())
	}
	if len(want) != 0 {
		t.Errorf("missing briefings %v", want)
	}
}

// TestBriefingLeftByACrashGoesWithTheSweep: a briefing recorded by a
// replica that died before publishing is published by the outbox sweep,
// once; recording it again is a duplicate.
func TestBriefingLeftByACrashGoesWithTheSweep(t *testing.T) {
	ctx := context.Background()
	db := testenv.Mongo(t).Database("tuijin_ledger_briefings_crash_test")
	_, js := testenv.JetStream(t)
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	crashed := NewBriefings(db, nil, testenv.Logger()) // records, never publishes
	m, err := event.Build(ctx, event.TypeBriefingPublished, event.TypeBriefingPublished, ledger.Producer,
		event.Ref("briefing", "weekly:2026-11-30"), t0, &ledgerv1.BriefingPublished{Kind: "weekly", Period: "2026-11-30"})
	if err != nil {
		t.Fatal(err)
	}
	if err := crashed.Record(ctx, "weekly:2026-11-30", t0, m); err != nil {
		t.Fatal(err)
	}
	if err := NewBriefings(db, pub, testenv.Logger()).Record(ctx, "weekly:2026-11-30", t0, m); !errors.Is(err, ledger.ErrDuplicate) {
		t.Fatalf("recording a briefing twice: %v, want ErrDuplicate", err)
	}
	count := func() uint64 { return testenv.StreamCount(t, js, bus.EventsStream, event.TypeBriefingPublished) }
	if count() != 0 {
		t.Fatalf("%d published before the sweep", count())
	}
	relay := outbox.NewRelay(pub, testenv.Logger(), crashed.Collection())
	for i := 0; i < 2; i++ {
		if _, err := relay.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if count() != 1 {
		t.Fatalf("%d published after two sweeps, want 1", count())
	}
	since, err := crashed.Since(ctx, t0)
	if err != nil || !since.Equal(t0) {
		t.Fatalf("since %v %v", since, err)
	}
	if again, err := crashed.Since(ctx, t0.Add(time.Hour)); err != nil || !again.Equal(t0) {
		t.Fatalf("since after a restart %v %v, want the first %v", again, err, t0)
	}
}
