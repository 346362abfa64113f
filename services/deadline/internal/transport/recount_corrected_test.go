package transport

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/domain/workday/official"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// corrected2027 corrects year2027: 元旦 runs to Monday 01-04.
const corrected2027 = `year: 2027
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用，更正）
  date: 2026-11-25
holidays:
  - name: 元旦
    off: ["2027-01-01..2027-01-04"]
`

// When a year's file is replaced by a corrected one, the deadlines that
// are not provisional but count over that year are recounted too: the
// running and the paused one get the new due date and the event with an
// 已更新 note, its next step moves; one whose count ends within 2026 and
// one decided are left alone; recounting again changes nothing.
func TestCorrectedYearFileRecountsTheDeadlinesCrossingIt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2027.yaml"), []byte(year2027), 0o600); err != nil {
		t.Fatal(err)
	}
	reloader, err := official.LoadLive(testenv.Logger(), prometheus.NewRegistry(), "test", dir, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	e.cal.Set(reloader.Official())
	next := recomputedEvents(t, e.js)
	for _, a := range []struct {
		id   string
		days int
	}{{"c.run", 15}, {"c.pause", 15}, {"c.done", 15}, {"c.2026", 5}} {
		e.publish(event.TypeItemAssigned, "sthj", &ledgerv1.ItemAssigned{ItemId: a.id, ItemName: "环评", ProjectCode: "P8",
			Department: "sthj", PromisedDays: int32(a.days), AssignedAt: timestamppb.New(sh(2026, 12, 15, 10))})
	}
	e.change("c.pause", "sthj", "assigned", "supplement", "request_supplement", sh(2026, 12, 16, 10))
	e.change("c.done", "sthj", "assigned", "approved", "approve", sh(2026, 12, 16, 10))
	eventually(t, "four clocks", func() bool {
		p, err1 := e.svc.Get(ctx, "item:c.pause")
		d, err2 := e.svc.Get(ctx, "item:c.done")
		_, err3 := e.svc.Get(ctx, "item:c.2026")
		_, err4 := e.svc.Get(ctx, "item:c.run")
		return err1 == nil && err2 == nil && err3 == nil && err4 == nil && p.State == deadline.StatePaused && d.State == deadline.StateStopped
	})
	before, _ := e.svc.Get(ctx, "item:c.run")
	if before.Provisional || before.DueDate != "2027-01-06" {
		t.Fatalf("before: provisional %v due %s, want 2027-01-06 on 2027's file", before.Provisional, before.DueDate)
	}
	short, _ := e.svc.Get(ctx, "item:c.2026")
	recompute := deadline.NewRecomputer(e.cfg, e.store)

	if err := os.WriteFile(filepath.Join(dir, "2027.yaml"), []byte(corrected2027), 0o600); err != nil {
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
	after, _ := e.svc.Get(ctx, "item:c.run")
	if after.Provisional || after.DueDate != "2027-01-07" || !after.NextAt.After(before.NextAt) {
		t.Fatalf("after: provisional %v due %s next at %v (was %v)", after.Provisional, after.DueDate, after.NextAt, before.NextAt)
	}
	if paused, _ := e.svc.Get(ctx, "item:c.pause"); paused.DueDate != "2027-01-07" || paused.State != deadline.StatePaused {
		t.Errorf("paused: due %s state %s", paused.DueDate, paused.State)
	}
	if done, _ := e.svc.Get(ctx, "item:c.done"); done.DueDate != "2027-01-06" {
		t.Errorf("a decided deadline was recounted: due %s", done.DueDate)
	}
	if d, _ := e.svc.Get(ctx, "item:c.2026"); d.DueDate != short.DueDate || d.Version != short.Version {
		t.Errorf("a deadline within 2026 was rewritten: due %s version %d (was %s, %d)", d.DueDate, d.Version, short.DueDate, short.Version)
	}
	ev := next()
	if ev.GetTimerId() != "item:c.pause" && ev.GetTimerId() != "item:c.run" {
		t.Fatalf("recomputed event of %s", ev.GetTimerId())
	}
	if ev.GetPreviousDueDate() != "2027-01-06" || ev.GetDueDate() != "2027-01-07" || ev.GetProvisional() ||
		ev.GetNote() != "2027年节假日安排已更新，按官方日历重新计算截止日期：由2027年1月6日调整为2027年1月7日。" {
		t.Errorf("recomputed event %v", ev)
	}
	next()
	if n, err := recompute.Recompute(ctx, years); err != nil || n != 0 {
		t.Errorf("recomputed again: %d, %v", n, err)
	}
}
