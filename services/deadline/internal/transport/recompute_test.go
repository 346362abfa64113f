package transport

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/workday/official"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// year2027 is a test fixture shaped like a State Council notice (only
// 元旦), not the real 2027 arrangement.
const year2027 = `year: 2027
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
  date: 2026-11-20
holidays:
  - name: 元旦
    off: ["2027-01-01..2027-01-03"]
`

// recomputedEvents reads the tuijin.deadline.recomputed events from now on.
func recomputedEvents(t *testing.T, js jetstream.JetStream) func() *deadlinev1.DeadlineEvent {
	t.Helper()
	ctx := context.Background()
	// The ordered consumer is made at the first Next: start at this time.
	from := time.Now()
	c, err := js.OrderedConsumer(ctx, bus.EventsStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{event.AllDepartments(event.TypeDeadlineRecomputed)},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy, OptStartTime: &from})
	if err != nil {
		t.Fatal(err)
	}
	return func() *deadlinev1.DeadlineEvent {
		t.Helper()
		m, err := c.Next(jetstream.FetchMaxWait(15 * time.Second))
		if err != nil {
			t.Fatalf("no recomputed event: %v", err)
		}
		env, err := event.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		var ev deadlinev1.DeadlineEvent
		if err := event.Payload(env, &ev); err != nil {
			t.Fatal(err)
		}
		return &ev
	}
}

// When 2027's file arrives in the calendar dir, the provisional deadlines
// that run into 2027 are recounted over the real store and bus: new due
// date, provisional cleared, the next step moved with it (and fired at the
// new time, not the old), a tuijin.deadline.recomputed event with a note;
// a paused one gets its new date too, a decided one and one within 2026
// are left alone, and recomputing again changes nothing.
func TestYearFileArrivingRecomputesProvisionalDeadlines(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	reloader, err := official.LoadLive(testenv.Logger(), prometheus.NewRegistry(), "test", dir, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	e.cal.Set(reloader.Official())
	next := recomputedEvents(t, e.js)

	assign := func(id string, at time.Time, days int) {
		e.publish(event.TypeItemAssigned, "sthj", &ledgerv1.ItemAssigned{ItemId: id, ItemName: "环评", ProjectCode: "P7",
			Department: "sthj", PromisedDays: int32(days), AssignedAt: timestamppb.New(at)})
	}
	assign("r.run", sh(2026, 12, 15, 10), 15)   // 2027-01-05 provisional, 01-06 with 元旦
	assign("r.pause", sh(2026, 12, 15, 10), 15) // paused on 12-16, the same due date until resumed
	assign("r.done", sh(2026, 12, 15, 10), 15)  // decided before the file arrives
	assign("r.2026", sh(2026, 12, 1, 10), 5)    // within 2026
	e.change("r.pause", "sthj", "assigned", "supplement", "request_supplement", sh(2026, 12, 16, 10))
	e.change("r.done", "sthj", "assigned", "approved", "approve", sh(2026, 12, 16, 10))
	eventually(t, "four clocks", func() bool {
		p, err1 := e.svc.Get(ctx, "item:r.pause")
		d, err2 := e.svc.Get(ctx, "item:r.done")
		_, err3 := e.svc.Get(ctx, "item:r.2026")
		_, err4 := e.svc.Get(ctx, "item:r.run")
		return err1 == nil && err2 == nil && err3 == nil && err4 == nil && p.State == deadline.StatePaused && d.State == deadline.StateStopped
	})
	before, _ := e.svc.Get(ctx, "item:r.run")
	if !before.Provisional || before.DueDate != "2027-01-05" || before.NextLevel != deadline.LevelYellow {
		t.Fatalf("before: provisional %v due %s next %s", before.Provisional, before.DueDate, before.NextLevel)
	}
	recompute := deadline.NewRecomputer(e.cfg, e.store)
	if n, err := recompute.Recompute(ctx, nil); err != nil || n != 0 {
		t.Fatalf("recompute without a new year: %d, %v", n, err)
	}

	if err := os.WriteFile(filepath.Join(dir, "2027.yaml"), []byte(year2027), 0o600); err != nil {
		t.Fatal(err)
	}
	years, err := reloader.Check()
	if err != nil || len(years) != 1 || years[0] != 2027 {
		t.Fatalf("reload: %v, %v", years, err)
	}
	e.cal.Set(reloader.Official())
	n, err := recompute.Recompute(ctx, years)
	if err != nil || n != 2 {
		t.Fatalf("recomputed %d, %v; want the running and the paused one", n, err)
	}
	after, _ := e.svc.Get(ctx, "item:r.run")
	if after.Provisional || after.DueDate != "2027-01-06" || !after.NextAt.After(before.NextAt) {
		t.Fatalf("after: provisional %v due %s next at %v (was %v)", after.Provisional, after.DueDate, after.NextAt, before.NextAt)
	}
	if after.Explanation.DaysOff[len(after.Explanation.DaysOff)-1].Name != "元旦" {
		t.Errorf("explanation does not name 元旦: %+v", after.Explanation.DaysOff)
	}
	paused, _ := e.svc.Get(ctx, "item:r.pause")
	if paused.Provisional || paused.DueDate != "2027-01-06" || paused.State != deadline.StatePaused {
		t.Errorf("paused: provisional %v due %s state %s", paused.Provisional, paused.DueDate, paused.State)
	}
	if done, _ := e.svc.Get(ctx, "item:r.done"); done.DueDate != "2027-01-05" {
		t.Errorf("a decided deadline was recomputed: due %s", done.DueDate)
	}
	got := map[string]*deadlinev1.DeadlineEvent{}
	for range 2 {
		ev := next()
		got[ev.GetTimerId()] = ev
	}
	ev := got["item:r.run"]
	if ev == nil || ev.GetPreviousDueDate() != "2027-01-05" || ev.GetDueDate() != "2027-01-06" || ev.GetProvisional() ||
		ev.GetNote() != "2027年节假日安排已公布，按官方日历重新计算截止日期：由2027年1月5日调整为2027年1月6日，不再为暂定。" {
		t.Errorf("recomputed event %v", ev)
	}
	if n, err := recompute.Recompute(ctx, years); err != nil || n != 0 {
		t.Errorf("recomputed again: %d, %v", n, err)
	}
	if pending, err := e.cfg.Timers.Pending(ctx); err != nil || !pending["item:r.run"] || pending["item:r.pause"] {
		t.Errorf("timers pending %v, %v: want the running one's, not the paused one's", pending, err)
	}

	// The old yellow instant (2027-01-04) passes with nothing fired; the new
	// one (01-05, two working days left counting it) fires yellow.
	e.clock.Set(sh(2027, 1, 4, 12))
	e.fireDue()
	if d, _ := e.svc.Get(ctx, "item:r.run"); d.Level != deadline.LevelGreen {
		t.Fatalf("level %s on 2027-01-04, the old due date's yellow", d.Level)
	}
	e.clock.Set(sh(2027, 1, 5, 1))
	e.fireDue()
	eventually(t, "yellow at the new due date's time", func() bool {
		d, _ := e.svc.Get(ctx, "item:r.run")
		return d.Level == deadline.LevelYellow
	})
}
