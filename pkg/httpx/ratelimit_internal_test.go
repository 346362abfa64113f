package httpx

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// However many addresses a flood comes from, the buckets stay within
// MaxBuckets, and a bucket idle long enough to be full again is forgotten.
func TestRateLimiterBoundedAndExpiring(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l, err := newRateLimiter(RateLimit{Rate: 10, Burst: 20, MaxBuckets: 1000}, prometheus.NewRegistry(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	req := func(addr string) bool {
		r := httptest.NewRequest("GET", "/v1/items/a", nil)
		r.RemoteAddr = addr
		ok, _ := l.allow(r, "/v1/items/{id}")
		return ok
	}
	for i := range 50_000 {
		req(fmt.Sprintf("10.%d.%d.%d:4000", i>>16&255, i>>8&255, i&255))
	}
	if n := l.size(); n != 1000 {
		t.Fatalf("%d buckets after 50,000 clients, want the bound 1000", n)
	}
	// A client using its burst keeps its (empty) bucket while active…
	for range 20 {
		req("192.0.2.1:1")
	}
	if req("192.0.2.1:1") {
		t.Fatal("the 21st request of a burst of 20 passed")
	}
	// …and 2 s (Burst/Rate) later every bucket would be full: all go.
	now = now.Add(2*time.Second + time.Millisecond)
	if !req("192.0.2.1:1") {
		t.Fatal("no token after the bucket refilled")
	}
	if n := l.size(); n != 1 {
		t.Errorf("%d buckets after the idle ones expired, want 1", n)
	}
}

// Retry-After is the wait for the next token, rounded up, at least 1 s.
func TestRateLimiterWait(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l, err := newRateLimiter(RateLimit{Rate: 0.25, Burst: 1}, prometheus.NewRegistry(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	if ok, _ := l.allow(r, "/x"); !ok {
		t.Fatal("first request refused")
	}
	now = now.Add(time.Second)
	ok, wait := l.allow(r, "/x")
	if ok || wait != 3*time.Second {
		t.Errorf("allow: %v, wait %s, want refused with 3s to wait", ok, wait)
	}
	rec := httptest.NewRecorder()
	writeRateLimited(rec, "/x", 2500*time.Millisecond)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "3" {
		t.Errorf("%d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}
