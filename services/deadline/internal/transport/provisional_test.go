package transport

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
)

// The provisional mark is kept in the deadline record on the real server,
// and tuijin_deadline_provisional_items counts the undecided deadlines
// that carry it.
func TestProvisionalDeadlinesAreStoredAndCounted(t *testing.T) {
	ctx := context.Background()
	deadlines := store.New(testenv.Mongo(t).Database("tuijin_deadline_provisional_test"))
	if err := deadlines.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := workday.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	cal := workday.NewOfficial(files) // no 2027 data
	at := func(d string) time.Time {
		v, err := time.ParseInLocation(time.DateOnly, d, workday.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return v.Add(10 * time.Hour)
	}
	mk := func(id, start string, days int) deadline.Deadline {
		return deadline.ForItem(cal, deadline.ItemAssignment{ItemID: id, ItemName: "环评", ProjectCode: "P1",
			Department: "sthj", AssignedAt: at(start), PromisedDays: days})
	}
	into2027, stopped, within := mk("p.a", "2026-12-15", 15), mk("p.b", "2026-12-20", 20), mk("p.c", "2026-11-23", 5)
	stopped.State, stopped.StoppedAt = deadline.StateStopped, at("2026-12-21")
	for _, d := range []deadline.Deadline{into2027, stopped, within} {
		if err := deadlines.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := deadlines.Get(ctx, into2027.ID)
	if err != nil || !got.Provisional || got.DueDate != "2027-01-05" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if got, _ := deadlines.Get(ctx, within.ID); got.Provisional {
		t.Error("a deadline within 2026 read back provisional")
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewProvisionalCollector(deadlines, testenv.Logger()))
	want := `
# HELP tuijin_deadline_provisional_items Deadlines not decided whose due date runs into a year without the official holiday arrangement (counted on weekends only there).
# TYPE tuijin_deadline_provisional_items gauge
tuijin_deadline_provisional_items 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
