package transport

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// recount counts pending items straight from the raw project documents,
// independently of the store's code.
func (e *env) recount() map[string]float64 {
	e.t.Helper()
	ctx := context.Background()
	cur, err := e.db.Collection("projects").Find(ctx, bson.D{})
	if err != nil {
		e.t.Fatal(err)
	}
	var docs []struct {
		Items []struct {
			Department string `bson:"department"`
			Status     string `bson:"status"`
		} `bson:"items"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]float64{}
	for _, d := range e.org.Departments {
		for _, s := range []string{"assigned", "accepted", "supplement", "suspended"} {
			out["department="+d.Code+",state="+s+","] = 0
		}
	}
	for _, d := range docs {
		for _, it := range d.Items {
			switch it.Status {
			case "assigned", "accepted", "supplement", "suspended":
				out["department="+it.Department+",state="+it.Status+","]++
			}
		}
	}
	return out
}

func sum(m map[string]float64) float64 {
	s := 0.0
	for _, v := range m {
		s += v
	}
	return s
}

// TestPendingGaugeIsExact runs 1,000 random actions, legal or not, through
// two replicas of the service on one database, then compares the pending
// gauge of each replica, and of a freshly started one, with a recount of
// the documents. The counters must match the events on the stream.
func TestPendingGaugeIsExact(t *testing.T) {
	e := newEnv(t)
	replicas := []*instance{e.start(), e.start()}
	const projects = 12
	var codes []string
	for i := range projects {
		c := fmt.Sprintf("2026-370481-04-01-3%05d", i)
		codes = append(codes, c)
		e.open(replicas[i%2], c, func(p *ledger.ProjectInfo) { p.GreenChannel = i%3 == 0 })
	}
	rng := rand.New(rand.NewPCG(1, 2))
	versions := map[string]int64{}
	for _, c := range codes {
		versions[c] = 1
	}
	keys := make([]string, len(e.cat.Items))
	for i, it := range e.cat.Items {
		keys[i] = it.Key
	}
	// The test's own model of each item's status, from the answers, so that
	// most actions are aimed at something they can apply to.
	status := map[string]ledger.Status{}
	for _, c := range codes {
		for _, it := range replicas[0].project(t, c).Items {
			status[it.ID] = it.Status
		}
	}
	likely := map[ledger.Status][]ledger.Action{
		ledger.StatusAssigned: {ledger.ActAccept, ledger.ActAccept, ledger.ActRequestSupplement, ledger.ActReject,
			ledger.ActSuspend, ledger.ActWithdraw},
		ledger.StatusAccepted: {ledger.ActApprove, ledger.ActApprove, ledger.ActApprove, ledger.ActRequestSupplement,
			ledger.ActSupplementReceived, ledger.ActReject, ledger.ActSuspend},
		ledger.StatusSupplement: {ledger.ActSupplementReceived, ledger.ActSupplementReceived, ledger.ActReject, ledger.ActSuspend},
		ledger.StatusSuspended:  {ledger.ActResume, ledger.ActResume, ledger.ActWithdraw},
		ledger.StatusRejected:   {ledger.ActResubmit},
		ledger.StatusWithdrawn:  {ledger.ActResubmit},
		ledger.StatusApproved:   {ledger.ActVerify},
		ledger.StatusWaiting:    {ledger.ActAccept},
	}
	outcomes := map[int]int{}
	decisions := 0
	for n := 0; n < 1000; n++ {
		in := replicas[rng.IntN(2)]
		c := codes[rng.IntN(len(codes))]
		key := keys[rng.IntN(len(keys))]
		a := ledger.Actions[rng.IntN(len(ledger.Actions))]
		if rng.IntN(5) > 0 {
			var ready []string
			for _, k := range keys {
				if status[ledger.ItemID(c, k)] != ledger.StatusWaiting {
					ready = append(ready, k)
				}
			}
			key = ready[rng.IntN(len(ready))]
			l := likely[status[ledger.ItemID(c, key)]]
			a = l[rng.IntN(len(l))]
		}
		extra := map[string]any{}
		switch a {
		case ledger.ActVerify:
			extra["check_result"] = []string{ledger.CheckPassed, ledger.CheckFailed}[rng.IntN(2)]
		case ledger.ActAccept:
			if rng.IntN(3) == 0 {
				extra["missing_materials"], extra["supplement_days"] = []string{"补充材料"}, 5
			}
		case ledger.ActApprove:
			if rng.IntN(4) == 0 {
				extra["commitment"], extra["check_days"] = "承诺事项", 20
			}
		}
		v := versions[c]
		if rng.IntN(20) == 0 {
			v-- // now and then a stale client
		}
		st, res, _ := in.act(t, ledger.ItemID(c, key), a, v, extra)
		outcomes[st]++
		if st == http.StatusOK {
			versions[c] = res.Version
			status[res.Item.ID] = res.Item.Status
			for _, it := range res.Assigned {
				status[it.ID] = it.Status
			}
			if res.Item.Status == ledger.StatusApproved && a == ledger.ActApprove ||
				res.Item.Status == ledger.StatusRejected {
				decisions++
			}
		} else if st != http.StatusConflict {
			t.Fatalf("action %d (%s on %s): status %d", n, a, key, st)
		}
		if n%97 == 0 {
			e.clock.Advance(26 * time.Hour)
		}
	}
	t.Logf("outcomes of 1,000 random actions: %v; decisions %d", outcomes, decisions)
	if outcomes[http.StatusOK] < 400 {
		t.Fatalf("only %d of 1,000 actions were legal; the sequence exercises too little", outcomes[http.StatusOK])
	}

	want := e.recount()
	if sum(want) == 0 {
		t.Fatal("nothing pending: the recount proves nothing")
	}
	for i, in := range replicas {
		if got := metricValues(t, in.reg, "tuijin_ledger_pending_items"); !maps.Equal(got, want) {
			t.Fatalf("replica %d: gauge %v\nrecount %v", i, got, want)
		}
	}
	restarted := e.start()
	if got := metricValues(t, restarted.reg, "tuijin_ledger_pending_items"); !maps.Equal(got, want) {
		t.Fatalf("after a restart: gauge %v\nrecount %v", got, want)
	}

	assignments := sum(metricValues(t, replicas[0].reg, "tuijin_ledger_assignments_total")) +
		sum(metricValues(t, replicas[1].reg, "tuijin_ledger_assignments_total"))
	if events := e.streamCount("tuijin.ledger.item.assigned.>"); assignments != float64(events) {
		t.Fatalf("assignments_total %v, item.assigned events %d", assignments, events)
	}
	completions := sum(metricValues(t, replicas[0].reg, "tuijin_ledger_completions_total")) +
		sum(metricValues(t, replicas[1].reg, "tuijin_ledger_completions_total"))
	handled := sum(metricValues(t, replicas[0].reg, "tuijin_ledger_item_handling_working_days")) +
		sum(metricValues(t, replicas[1].reg, "tuijin_ledger_item_handling_working_days"))
	if completions != float64(decisions) || handled != completions {
		t.Fatalf("completions_total %v, handling observations %v, decisions %d", completions, handled, decisions)
	}
	if events := e.streamCount("tuijin.ledger.item.changed.>"); events != outcomes[http.StatusOK] {
		t.Fatalf("%d item.changed events for %d accepted actions", events, outcomes[http.StatusOK])
	}
}
