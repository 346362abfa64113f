package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"

	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// BenchmarkActionPath measures a department action end to end: HTTP
// request → state machine → versioned write of the project document with
// its event on FerretDB → item.changed published to JetStream → response.
// It reports throughput and latency percentiles, and in the same run the
// rate of the store's write path alone and of a bare update by _id of
// copies of the same documents in the same collection, with the ratios.
// The three alternate in rounds, so that the load of a shared machine
// falls on each alike.
//
//	go test -run '^$' -bench ActionPath -benchtime 400x ./services/ledger/internal/transport/
func BenchmarkActionPath(b *testing.B) {
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchActions(b, clients) })
	}
}

// benchItems are the items each client toggles between assigned and
// suspended: legal forever, so the path never ends in a decision.
var benchItems = []string{"lixiang", "yongdi-yushen", "huanping", "wenwu", "shuibao"}

// benchRounds is how many rounds of actions, store writes and bare writes
// a run alternates.
const benchRounds = 8

type benchTarget struct {
	code string
	key  int
	ver  int64
	sus  map[string]bool
}

func benchActions(b *testing.B, clients int) {
	e := newEnv(b)
	in := e.start()
	ctx := context.Background()
	const projectsPerClient = 8
	targets := make([][]*benchTarget, clients)
	for c := range clients {
		for i := range projectsPerClient {
			code := fmt.Sprintf("2026-370481-04-01-9%02d%03d", c, i)
			e.open(in, code)
			targets[c] = append(targets[c], &benchTarget{code: code, ver: 1, sus: map[string]bool{}})
		}
	}
	// The store and bare writes go to copies of the projects, in the same
	// collection: a write that moved a project's version would send its
	// client's next action back with a conflict.
	projects := e.db.Collection("projects")
	copyOf := func(code string) string { return code + "-copy" }
	for c := range clients {
		for _, tg := range targets[c] {
			var d bson.D
			if err := projects.FindOne(ctx, bson.D{{Key: "_id", Value: tg.code}}).Decode(&d); err != nil {
				b.Fatal(err)
			}
			for i := range d {
				switch d[i].Key {
				case "_id":
					d[i].Value = copyOf(tg.code)
				case outbox.Field:
					d[i].Value = bson.A{}
				}
			}
			if _, err := projects.InsertOne(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The outbox sweep runs as in the service, at its default interval:
	// it pulls the events of ledgers not written since (see the store).
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	sweepDone := make(chan error, 1)
	go func() {
		sweepDone <- outbox.NewRelay(in.pub, testenv.Logger(), in.store.Collections()...).Run(sweepCtx, 5*time.Second)
	}()
	var (
		mu   sync.Mutex
		lats []time.Duration
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	// Each item is acted on by a clerk of its department, as in the service.
	tokens := map[string]string{}
	for _, key := range benchItems {
		tokens[key] = "Bearer " + testenv.Token(b, in.clerkOf(ledger.ItemID(targets[0][0].code, key)))
	}
	turn := make([]int, clients) // each client's next project
	act := func(c, _ int) error {
		tg := targets[c][turn[c]%projectsPerClient]
		turn[c]++
		key := benchItems[tg.key%len(benchItems)]
		tg.key++
		a := ledger.ActSuspend
		if tg.sus[key] {
			a = ledger.ActResume
		}
		body, _ := json.Marshal(map[string]any{"action": a, "actor": "bench", "note": "专家评审", "version": tg.ver})
		t0 := time.Now()
		req, err := http.NewRequest(http.MethodPost, in.url+"/v1/items/"+ledger.ItemID(tg.code, key)+"/actions", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", jsonType)
		req.Header.Set("Authorization", tokens[key])
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		var res ledger.ActionResult
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		lat := time.Since(t0)
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: status %d, %v", a, key, resp.StatusCode, err)
		}
		mu.Lock()
		lats = append(lats, lat)
		mu.Unlock()
		tg.ver = res.Version
		tg.sus[key] = !tg.sus[key]
		return nil
	}
	// The store's write path: a versioned write of a project document.
	storeWrite := func(c, i int) error {
		code := copyOf(targets[c][i%projectsPerClient].code)
		p, err := in.store.Project(ctx, code)
		if err != nil {
			return err
		}
		base := p.Version
		p.Version++
		return in.store.Update(ctx, p, base, nil)
	}
	// The bare write: by _id (the one filter FerretDB resolves through its
	// primary key), the same update document as a versioned write (the
	// items, as the project's own are now, and a version bump) without its
	// version check. The bump matters: an update that changes nothing is
	// not written at all.
	items := map[string]bson.RawValue{}
	rawWrite := func(c, i int) error {
		tg := targets[c][i%projectsPerClient]
		res, err := projects.UpdateOne(ctx, bson.D{{Key: "_id", Value: copyOf(tg.code)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "items", Value: items[tg.code]}}},
				{Key: "$inc", Value: bson.D{{Key: mongox.VersionField, Value: int64(1)}}}})
		if err == nil && res.MatchedCount != 1 {
			err = fmt.Errorf("bare update of %s matched nothing", tg.code)
		}
		return err
	}
	b.ResetTimer()
	b.StopTimer()
	var actTime, storeTime, rawTime time.Duration
	rounds := min(benchRounds, b.N)
	writes := 0
	for r := range rounds {
		n := b.N*(r+1)/rounds - b.N*r/rounds
		b.StartTimer()
		d, err := spread(clients, n, act)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		actTime += d
		for c := range clients {
			for _, tg := range targets[c] {
				var d bson.Raw
				if err := projects.FindOne(ctx, bson.D{{Key: "_id", Value: tg.code}}).Decode(&d); err != nil {
					b.Fatal(err)
				}
				items[tg.code] = d.Lookup("items")
			}
		}
		// The same number of writes with the same concurrency, without
		// HTTP and the bus (at least 8 a client, for a rate).
		n = max(n, 8*clients/rounds)
		writes += n
		if d, err = spread(clients, n, rawWrite); err != nil {
			b.Fatal(err)
		}
		rawTime += d
		if d, err = spread(clients, n, storeWrite); err != nil {
			b.Fatal(err)
		}
		storeTime += d
	}
	stopSweep()
	if err := <-sweepDone; err != nil {
		b.Fatal(err)
	}
	if n := e.streamCount("tuijin.ledger.item.changed.>"); n != b.N {
		b.Fatalf("%d item.changed events for %d actions", n, b.N)
	}
	slices.Sort(lats)
	pct := func(p float64) float64 { return float64(lats[int(float64(len(lats)-1)*p)].Microseconds()) / 1000 }
	actions := float64(b.N) / actTime.Seconds()
	storeRate := float64(writes) / storeTime.Seconds()
	rawRate := float64(writes) / rawTime.Seconds()
	b.ReportMetric(actions, "actions/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(storeRate, "store-writes/s")
	b.ReportMetric(rawRate, "raw-writes/s")
	b.ReportMetric(actions/rawRate, "actions/raw")
	b.ReportMetric(actions/storeRate, "actions/store")
	b.Logf("ledger: %d clients: %.1f actions/s (p50 %.0f ms, p99 %.0f ms) = %.0f%% of raw writes %.1f/s; store writes %.1f/s",
		clients, actions, pct(0.50), pct(0.99), 100*actions/rawRate, rawRate, storeRate)
}

// spread runs n calls of fn over clients workers (fn(client, i), i
// counting each client's calls) and returns how long they took, or the
// first error.
func spread(clients, n int, fn func(client, i int) error) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; next.Add(1) <= int64(n); i++ {
				if err := fn(c, i); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return 0, err
	}
	return time.Since(start), nil
}
