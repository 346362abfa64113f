package transport

import (
	"net/http"
	"sync"
	"testing"

	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// TestConcurrentDepartmentsOnOneProject has five departments act at the
// same time on one project through two replicas, each retrying when it
// lost the race. Every accepted action must be in the ledger and on the
// stream exactly once: a stale write never overwrites a newer one.
func TestConcurrentDepartmentsOnOneProject(t *testing.T) {
	e := newEnv(t)
	replicas := []*instance{e.start(), e.start()}
	e.open(replicas[0], code)
	keys := []string{"lixiang", "yongdi-yushen", "huanping", "wenwu", "shuibao"}
	const rounds = 8
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		stale  int
		actsOK = map[string]int{}
	)
	for i, key := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := replicas[i%2]
			for r := 0; r < rounds; r++ {
				a := ledger.ActSuspend
				if r%2 == 1 {
					a = ledger.ActResume
				}
				for {
					v := in.project(t, code).Version
					st, _, eb := in.act(t, ledger.ItemID(code, key), a, v, nil)
					if st == http.StatusOK {
						mu.Lock()
						actsOK[key]++
						mu.Unlock()
						break
					}
					if st != http.StatusConflict || eb.Error.Code != "stale_version" {
						t.Errorf("%s %s: %d %+v", a, key, st, eb)
						return
					}
					mu.Lock()
					stale++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d stale attempts retried", stale)
	p := replicas[1].project(t, code)
	total := 0
	for _, key := range keys {
		it, _ := p.Item(ledger.ItemID(code, key))
		if actsOK[key] != rounds || len(it.Timeline) != 2+rounds || it.Status != ledger.StatusAssigned {
			t.Errorf("%s: %d accepted actions, %d timeline entries, status %s", key, actsOK[key], len(it.Timeline), it.Status)
		}
		total += actsOK[key]
	}
	if p.Version != int64(1+total) {
		t.Errorf("version %d after %d writes", p.Version, total)
	}
	if n := e.streamCount("tuijin.ledger.item.changed.>"); n != total {
		t.Errorf("%d item.changed events for %d accepted actions", n, total)
	}
	if got, want := metricValues(t, replicas[0].reg, "tuijin_ledger_pending_items"), e.recount(); got["department=fgw,state=assigned,"] != want["department=fgw,state=assigned,"] {
		t.Errorf("gauge %v, recount %v", got, want)
	}
}
