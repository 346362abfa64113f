package httpx_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
)

func limitedServer(t *testing.T, rl httpx.RateLimit) (string, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	srv, err := httpx.NewServer("127.0.0.1:0", "test", reg, testenv.Logger(), httpx.WithRateLimit(rl))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"GET /v1/items/{id}", "POST /v1/items/{id}/actions"} {
		srv.Mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
		})
	}
	return serve(t, srv), reg
}

func call(t *testing.T, method, url string, header map[string]string) (*http.Response, httpx.ErrorBody) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	var body httpx.ErrorBody
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if err := decodeJSONBody(resp, &body); err != nil {
			t.Fatalf("%s %s: %d with a body that is not the contract's JSON: %v", method, url, resp.StatusCode, err)
		}
	}
	return resp, body
}

// A client gets its burst on a route, then 429 in the contract's shape with
// Retry-After; another route has its own bucket; the operational routes are
// never limited; every refusal is counted by route pattern.
func TestRateLimitPerClientAndRoute(t *testing.T) {
	base, reg := limitedServer(t, httpx.RateLimit{Rate: 0.5, Burst: 2})
	for i, want := range []int{200, 200, 429, 429} {
		resp, body := call(t, "GET", base+"/v1/items/"+string(rune('a'+i)), nil)
		if resp.StatusCode != want {
			t.Fatalf("request %d: %d, want %d", i+1, resp.StatusCode, want)
		}
		if want == 429 {
			if body.Error.Code != "rate_limited" || !strings.Contains(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("429 body %+v (%s)", body, resp.Header.Get("Content-Type"))
			}
			if ra := resp.Header.Get("Retry-After"); ra != "2" {
				t.Errorf("Retry-After %q, want 2 (one token at 0.5/s)", ra)
			}
		}
	}
	if resp, _ := call(t, "POST", base+"/v1/items/a/actions", nil); resp.StatusCode != 200 {
		t.Errorf("another route shares the bucket: %d", resp.StatusCode)
	}
	for range 5 {
		for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
			if resp, _ := call(t, "GET", base+p, nil); resp.StatusCode != 200 {
				t.Fatalf("%s is limited: %d", p, resp.StatusCode)
			}
		}
	}
	want := `
# HELP tuijin_http_rate_limited_total HTTP requests refused with 429 because the client exceeded its rate on the route, by route pattern.
# TYPE tuijin_http_rate_limited_total counter
tuijin_http_rate_limited_total{route="/v1/items/{id}"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tuijin_http_rate_limited_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.ToFloat64(counterOf(t, reg, "tuijin_http_requests_total", `code="429"`)); n != 2 {
		t.Errorf("%v requests counted as 429, want 2", n)
	}
}

// X-Forwarded-For picks the bucket only behind a trusted proxy; from
// anyone else it is a header like any other.
func TestRateLimitForwardedFor(t *testing.T) {
	xff := func(a string) map[string]string { return map[string]string{"X-Forwarded-For": a} }

	untrusted, _ := limitedServer(t, httpx.RateLimit{Rate: 0.5, Burst: 1})
	call(t, "GET", untrusted+"/v1/items/a", xff("203.0.113.1"))
	if resp, _ := call(t, "GET", untrusted+"/v1/items/a", xff("203.0.113.2")); resp.StatusCode != 429 {
		t.Errorf("a forged X-Forwarded-For bought a fresh bucket: %d", resp.StatusCode)
	}

	proxies, err := httpx.ParsePrefixes([]string{"127.0.0.1", "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	trusted, _ := limitedServer(t, httpx.RateLimit{Rate: 0.5, Burst: 1, TrustedProxies: proxies})
	for _, tt := range []struct {
		xff  string
		want int
	}{
		{"203.0.113.1", 200},
		{"203.0.113.2", 200},
		{"203.0.113.1", 429},
		// The client wrote the left entry itself; our proxies appended the
		// right ones: 203.0.113.2 is the client, already out of tokens.
		{"198.51.100.7, 203.0.113.2, 10.1.2.3", 429},
		{"2001:db8:1:2::1", 200},
		{"2001:db8:1:2::99", 429}, // the same /64
	} {
		if resp, _ := call(t, "GET", trusted+"/v1/items/a", xff(tt.xff)); resp.StatusCode != tt.want {
			t.Errorf("X-Forwarded-For %s: %d, want %d", tt.xff, resp.StatusCode, tt.want)
		}
	}
}

func TestParsePrefixes(t *testing.T) {
	ps, err := httpx.ParsePrefixes([]string{"10.0.0.0/8", " 127.0.0.1", "::1", ""})
	if err != nil || len(ps) != 3 || !ps[1].Contains(netip.MustParseAddr("127.0.0.1")) || ps[1].Contains(netip.MustParseAddr("127.0.0.2")) {
		t.Errorf("%v %v", ps, err)
	}
	if _, err := httpx.ParsePrefixes([]string{"proxy.local"}); err == nil {
		t.Error("a host name is accepted")
	}
}

func TestRateLimitRefusesNonsense(t *testing.T) {
	for _, rl := range []httpx.RateLimit{{Rate: -1, Burst: 1}, {Rate: 1, Burst: 0}} {
		if _, err := httpx.NewServer("127.0.0.1:0", "test", prometheus.NewRegistry(), testenv.Logger(), httpx.WithRateLimit(rl)); err == nil {
			t.Errorf("%+v accepted", rl)
		}
	}
}
