package web

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// queueUpstream answers the ledger's GET /v1/items and the deadline
// service's GET /v1/deadlines for a department of n pending items, in
// their wire shapes, so that the benchmark measures the portal: the calls
// over loopback HTTP, decoding, the pending filter, the marks and the page.
func queueUpstream(tb testing.TB, n int) *httptest.Server {
	tb.Helper()
	statuses := []string{"assigned", "accepted", "supplement", "suspended"}
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	items := make([]map[string]any, n)
	var clocks []map[string]any
	for i := range items {
		id := fmt.Sprintf("2026-370481-04-01-%06d.yongdi-yushen", 100000+i)
		due := now.Add(time.Duration(i-n/3) * 6 * time.Hour)
		items[i] = map[string]any{"id": id, "type": "yongdi-yushen", "name": "用地预审与选址意见书", "department": "zrzy",
			"promised_days": 10, "status": statuses[i%len(statuses)], "assigned_at": now.Add(-240 * time.Hour), "due": due,
			"project_code": id[:24], "project_name": "重点项目" + strconv.Itoa(i), "project_version": 3, "green_channel": i%17 == 0}
		if i%3 == 0 {
			clocks = append(clocks, map[string]any{"kind": "item", "ref_id": id, "level": []string{"yellow", "red", "urge"}[i%9/3]})
		}
	}
	// The answers are encoded once: the upstream's own work is not the
	// portal's.
	answers := map[string][]byte{}
	var mu sync.Mutex
	encode := func(key string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		answers[key] = b
	}
	encode("deadlines", map[string]any{"count": len(clocks), "deadlines": clocks})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/items", func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		key := r.URL.RawQuery
		mu.Lock()
		defer mu.Unlock()
		if _, ok := answers[key]; !ok {
			page := items[min(offset, n):min(offset+limit, n)]
			encode(key, map[string]any{"department": "zrzy", "sort": "due", "total": n, "limit": limit,
				"offset": offset, "count": len(page), "items": page})
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(answers[key])
	})
	mux.HandleFunc("GET /v1/deadlines", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(answers["deadlines"])
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv
}

// clerkCookie is a session cookie of a zrzy clerk. The portal reads a
// token's claims without verifying them (the services do), so the
// benchmark's upstream needs no issuer.
func clerkCookie() *http.Cookie {
	payload, _ := json.Marshal(map[string]any{"sub": "zrzy-clerk", "name": "自然资源和规划局经办人", "roles": []string{"clerk"},
		"department": "zrzy", "exp": time.Now().Add(time.Hour).Unix()})
	return &http.Cookie{Name: sessionCookie, Value: "eyJhbGciOiJFZERTQSJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"}
}

func queuePortal(tb testing.TB, n int) http.Handler {
	tb.Helper()
	up := queueUpstream(tb, n)
	mux := portalOver(tb, api.Endpoints{Ledger: up.URL, Deadline: up.URL}, nil)
	return mux
}

// TestQueueOfAThousand: the pending queue of a department with 1,000
// items pages them 20 at a time, earliest due first, the marks on.
func TestQueueOfAThousand(t *testing.T) {
	h := queuePortal(t, 1000)
	req := httptest.NewRequest(http.MethodGet, "/queue?page=50", nil)
	req.AddCookie(clerkCookie())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	page := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("queue: %d\n%s", rec.Code, page)
	}
	if n := strings.Count(page, `<tr id="row-`); n != 20 {
		t.Errorf("%d rows on a page, want 20", n)
	}
	if !strings.Contains(page, "第 50 / 50 页，共 1000 条") || !strings.Contains(page, "2026-370481-04-01-100999.yongdi-yushen") {
		t.Errorf("the last page does not end with the last item")
	}
	if !strings.Contains(page, "红灯·催办") {
		t.Errorf("no marks on the page")
	}
}

// BenchmarkQueuePage renders the first page of a department's pending
// queue of 1,000 items (two ledger calls of 500 and one deadline call).
func BenchmarkQueuePage(b *testing.B) {
	h := queuePortal(b, 1000)
	cookie := clerkCookie()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/queue", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("queue: %d", rec.Code)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
}
