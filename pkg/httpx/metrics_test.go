package httpx_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestRequestMetricsByRoute serves real requests and reads the counters:
// labelled by route pattern (never by path), method and status, with
// unknown paths and made-up methods folded into one value each.
func TestRequestMetricsByRoute(t *testing.T) {
	reg := prometheus.NewRegistry()
	srv, err := httpx.NewServer("127.0.0.1:0", "test", reg, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	srv.Mux.HandleFunc("GET /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			httpx.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	})
	base := serve(t, srv)
	for _, req := range []struct{ method, path string }{
		{"GET", "/v1/items/a"}, {"GET", "/v1/items/b"}, {"GET", "/v1/items/missing"},
		{"GET", "/nowhere/1"}, {"GET", "/nowhere/2"}, {"BREW", "/v1/items/a"},
	} {
		r, err := http.NewRequest(req.method, base+req.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	want := `
# HELP tuijin_http_requests_total HTTP requests served, by method, route pattern and status code.
# TYPE tuijin_http_requests_total counter
tuijin_http_requests_total{code="200",method="GET",route="/v1/items/{id}"} 2
tuijin_http_requests_total{code="404",method="GET",route="/v1/items/{id}"} 1
tuijin_http_requests_total{code="404",method="GET",route="unmatched"} 2
tuijin_http_requests_total{code="405",method="other",route="unmatched"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tuijin_http_requests_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "tuijin_http_request_duration_seconds"); n != 3 {
		t.Errorf("%d duration series, want 3 (one per method and route)", n)
	}
}
