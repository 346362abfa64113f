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
// its event on FerretDB → item.changed published to JetStream and pulled
// from the outbox → response. It reports throughput and latency
// percentiles, and in the same run the rate of the store's write path
// alone and of a bare update by _id of the same documents in the same
// collection, with the ratios.
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

func benchActions(b *testing.B, clients int) {
	e := newEnv(b)
	in := e.start()
	const projectsPerClient = 8
	type target struct {
		code string
		key  int
		ver  int64
		sus  map[string]bool
	}
	targets := make([][]*target, clients)
	for c := range clients {
		for i := range projectsPerClient {
			code := fmt.Sprintf("2026-370481-04-01-9%02d%03d", c, i)
			e.open(in, code)
			targets[c] = append(targets[c], &target{code: code, ver: 1, sus: map[string]bool{}})
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
		next atomic.Int64
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	// Each item is acted on by a clerk of its department, as in the service.
	tokens := map[string]string{}
	for _, key := range benchItems {
		tokens[key] = "Bearer " + testenv.Token(b, in.clerkOf(ledger.ItemID(targets[0][0].code, key)))
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, b.N/clients+1)
			for n := 0; next.Add(1) <= int64(b.N); n++ {
				tg := targets[c][n%projectsPerClient]
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
					b.Error(err)
					return
				}
				req.Header.Set("Content-Type", jsonType)
				req.Header.Set("Authorization", tokens[key])
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				var res ledger.ActionResult
				err = json.NewDecoder(resp.Body).Decode(&res)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Errorf("%s %s: status %d, %v", a, key, resp.StatusCode, err)
					return
				}
				tg.ver = res.Version
				tg.sus[key] = !tg.sus[key]
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	stopSweep()
	if err := <-sweepDone; err != nil {
		b.Fatal(err)
	}
	if b.Failed() {
		return
	}
	if n := e.streamCount("tuijin.ledger.item.changed.>"); n != b.N {
		b.Fatalf("%d item.changed events for %d actions", n, b.N)
	}
	slices.Sort(lats)
	pct := func(p float64) float64 { return float64(lats[int(float64(len(lats)-1)*p)].Microseconds()) / 1000 }
	actions := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(actions, "actions/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")

	// The same number of writes with the same concurrency, without HTTP
	// and the bus: first the store's write path (a versioned write of the
	// project document), then a bare update of the same documents.
	ctx := context.Background()
	writes := max(b.N, 8*clients)
	storeRate := rate(clients, writes, func(c, n int) error {
		tg := targets[c][n%projectsPerClient]
		p, err := in.store.Project(ctx, tg.code)
		if err != nil {
			return err
		}
		base := p.Version
		p.Version++
		return in.store.Update(ctx, p, base, nil)
	})
	// The bare write: the same project documents in the same collection,
	// by _id (the one filter FerretDB resolves through its primary key),
	// the same update document as a versioned write (the items and a
	// version bump) without its version check. The bump matters: an update
	// that changes nothing is not written at all.
	projects := e.db.Collection("projects")
	items := map[string]bson.RawValue{}
	for c := range clients {
		for _, tg := range targets[c] {
			var d bson.Raw
			if err := projects.FindOne(ctx, bson.D{{Key: "_id", Value: tg.code}}).Decode(&d); err != nil {
				b.Fatal(err)
			}
			items[tg.code] = d.Lookup("items")
		}
	}
	rawRate := rate(clients, writes, func(c, n int) error {
		tg := targets[c][n%projectsPerClient]
		res, err := projects.UpdateOne(ctx, bson.D{{Key: "_id", Value: tg.code}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "items", Value: items[tg.code]}}},
				{Key: "$inc", Value: bson.D{{Key: mongox.VersionField, Value: int64(1)}}}})
		if err == nil && res.MatchedCount != 1 {
			err = fmt.Errorf("raw update of %s matched nothing", tg.code)
		}
		return err
	})
	b.ReportMetric(storeRate, "store-writes/s")
	b.ReportMetric(rawRate, "raw-writes/s")
	b.ReportMetric(actions/rawRate, "actions/raw")
	b.ReportMetric(actions/storeRate, "actions/store")
	b.Logf("ledger: %d clients: %.1f actions/s (p50 %.0f ms, p99 %.0f ms) = %.0f%% of raw writes %.1f/s; store writes %.1f/s",
		clients, actions, pct(0.50), pct(0.99), 100*actions/rawRate, rawRate, storeRate)
}

// rate runs n writes over clients workers and returns writes per second.
func rate(clients, n int, write func(client, i int) error) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; next.Add(1) <= int64(n); i++ {
				if err := write(c, i); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		panic(err)
	}
	return float64(n) / time.Since(start).Seconds()
}
