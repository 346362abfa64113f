package store

import (
	"context"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// A held project's planned items and the update that releases them survive
// the database as they were, and the pending recount leaves planned items
// out.
func TestPlannedItemsAndStageTimelineRoundTrip(t *testing.T) {
	st, _, _, _ := newStore(t)
	ctx := context.Background()
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	const code = "2026-370481-04-01-300001"
	p, _ := ledger.Open(ledger.ProjectInfo{Code: code, Name: "储备项目", Stage: ledger.StageReserve}, cat, workday.Weekends{}, t0)
	if err := st.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	got, err := st.Project(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, got) != jsonOf(t, p) {
		t.Fatalf("held ledger read back differs:\n%s\n%s", jsonOf(t, got), jsonOf(t, p))
	}
	if it := got.Items[0]; it.Status != ledger.StatusPlanned || it.PlannedReason == "" {
		t.Fatalf("item read back %+v", it)
	}
	counts, err := st.PendingCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 0 {
		t.Fatalf("pending counts of a held project %v", counts)
	}
	q, err := st.Queue(ctx, "fgw", ledger.StatusPlanned)
	if err != nil || len(q) != 2 {
		t.Fatalf("the store lists the planned items it holds (the use case hides them): %d, %v", len(q), err)
	}

	base := got.Version
	ch, err := got.UpdateProgress(ledger.ProgressUpdate{Stage: ledger.StageStarted, OverrideReason: "县政府同意先行开工",
		ImageProgress: "场地平整", Actor: "王芳", Version: base}, cat.Permit(), workday.Weekends{}, t0.Add(48*3600e9))
	if err != nil || len(ch.Assigned) != 5 {
		t.Fatalf("update: %d assigned, %v", len(ch.Assigned), err)
	}
	if err := st.Update(ctx, got, base, nil); err != nil {
		t.Fatal(err)
	}
	again, err := st.Project(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, again) != jsonOf(t, got) {
		t.Fatalf("released ledger read back differs:\n%s\n%s", jsonOf(t, again), jsonOf(t, got))
	}
	e := again.Progress[0]
	if e.From != ledger.StageReserve || e.Stage != ledger.StageStarted || e.Override != "县政府同意先行开工" || len(e.Assigned) != 5 {
		t.Fatalf("timeline entry read back %+v", e)
	}
	if counts, _ = st.PendingCounts(ctx); len(counts) != 5 {
		t.Fatalf("pending after the release %v, want the 5 ready items", counts)
	}
}
