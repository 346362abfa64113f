package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// Writers that read the same version race to save it: exactly one wins
// each round, and every winner's change is in the document (no lost
// update, no change applied over another).
func TestConcurrentWritersNeverOverwriteEachOther(t *testing.T) {
	ctx := context.Background()
	st, _, _, _ := newStore(t)
	p := open(t, "2026-370481-04-01-000002", "", "")
	if err := st.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	keys := []string{"lixiang", "yongdi-yushen", "huanping", "wenwu", "shuibao"}
	suspended := map[string]bool{}
	for round := range 6 {
		cur, err := st.Project(ctx, p.Code)
		if err != nil {
			t.Fatal(err)
		}
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			wins  []string
			start = make(chan struct{})
		)
		for _, key := range keys {
			mine, err := st.Project(ctx, p.Code) // a reader of its own, as each replica is
			if err != nil {
				t.Fatal(err)
			}
			it, _ := mine.Item(ledger.ItemID(p.Code, key))
			a := ledger.ActSuspend
			if it.Status == ledger.StatusSuspended {
				a = ledger.ActResume
			}
			req := ledger.ActionRequest{Action: a, Actor: key, Note: "n", Version: cur.Version}
			if _, err := mine.Apply(it.ID, req, workday.Weekends{}, t0); err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := st.Update(ctx, mine, cur.Version, nil)
				switch {
				case err == nil:
					mu.Lock()
					wins = append(wins, key)
					mu.Unlock()
				case !errors.Is(err, ledger.ErrVersionConflict):
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(wins) != 1 {
			t.Fatalf("round %d: winners %v, want exactly one", round, wins)
		}
		suspended[wins[0]] = !suspended[wins[0]]
	}
	got, err := st.Project(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, key := range keys {
		it, _ := got.Item(ledger.ItemID(p.Code, key))
		total += len(it.Timeline) - 2 // planned, assign
		if want := suspended[key]; (it.Status == ledger.StatusSuspended) != want {
			t.Errorf("%s is %s; the winners' changes say suspended=%v", key, it.Status, want)
		}
	}
	if int64(total) != got.Version-p.Version || got.Version != p.Version+6 {
		t.Fatalf("%d actions in the timelines, version advanced by %d, want 6", total, got.Version-p.Version)
	}
}

func TestQueueProjectsAndPendingCounts(t *testing.T) {
	ctx := context.Background()
	st, _, _, _ := newStore(t)
	a := open(t, "2026-370481-04-01-000003", "yongdi", "社会投资")
	b := open(t, "2026-370481-04-01-000004", "huanbao", "城市建设")
	for _, p := range []ledger.Project{a, b} {
		if err := st.Create(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	base := a.Version
	act(t, &a, "yongdi-yushen", ledger.ActAccept)
	if err := st.Update(ctx, a, base, nil); err != nil {
		t.Fatal(err)
	}
	q, err := st.Queue(ctx, "zrzy", "")
	if err != nil {
		t.Fatal(err)
	}
	// zrzy has three items per project; one assigned and two waiting each.
	if len(q) != 6 {
		t.Fatalf("zrzy queue has %d items, want 6", len(q))
	}
	q, err = st.Queue(ctx, "zrzy", ledger.StatusAccepted)
	if err != nil || len(q) != 1 || q[0].ProjectCode != a.Code || q[0].ProjectVersion != a.Version {
		t.Fatalf("accepted queue %v, %v", q, err)
	}
	ps, err := st.Projects(ctx, ledger.ProjectFilter{WorkGroup: "huanbao"})
	if err != nil || len(ps) != 1 || ps[0].Code != b.Code {
		t.Fatalf("projects of huanbao: %v, %v", ps, err)
	}
	ps, err = st.Projects(ctx, ledger.ProjectFilter{Category: "社会投资"})
	if err != nil || len(ps) != 1 || ps[0].Code != a.Code {
		t.Fatalf("projects of 社会投资: %v, %v", ps, err)
	}
	counts, err := st.PendingCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[ledger.PendingKey]int{
		{Department: "zrzy", Status: ledger.StatusAssigned}: 1, {Department: "zrzy", Status: ledger.StatusAccepted}: 1,
		{Department: "fgw", Status: ledger.StatusAssigned}: 2, {Department: "sthj", Status: ledger.StatusAssigned}: 2,
		{Department: "wlj", Status: ledger.StatusAssigned}: 2, {Department: "slj", Status: ledger.StatusAssigned}: 2,
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("pending counts %v, want %v", counts, want)
	}
}
