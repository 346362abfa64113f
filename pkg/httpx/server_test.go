package httpx_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
)

func serve(t *testing.T, srv *httpx.Server) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + srv.Addr()
}

// Unknown paths and methods answer in the contract's error shape, as JSON,
// not the mux's plain text.
func TestUnmatchedRoutesAnswerJSON(t *testing.T) {
	srv, err := httpx.NewServer("127.0.0.1:0", "test", prometheus.NewRegistry(), testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	srv.Mux.HandleFunc("GET /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	})
	base := serve(t, srv)
	for _, tt := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/nowhere", 404, "not_found", ""},
		{"GET", "/", 404, "not_found", ""},
		{"DELETE", "/v1/items/a", 405, "method_not_allowed", "GET, HEAD"},
		{"GET", "/v1/items/a", 200, "", ""},
	} {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		var body httpx.ErrorBody
		if st := testenv.CallJSON(t, tt.method, base+tt.path, "", nil, &body); st != tt.status || body.Error.Code != tt.code {
			t.Errorf("%s %s: %d %+v, want %d %q", tt.method, tt.path, st, body, tt.status, tt.code)
		}
		if tt.allow != "" {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
			}
		}
	}
}

// /readyz names the failed dependency but not the driver's error, which
// carries addresses; that goes to the log.
func TestReadyHidesCauses(t *testing.T) {
	srv, err := httpx.NewServer("127.0.0.1:0", "test", prometheus.NewRegistry(), testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	srv.AddCheck("mongo", func(context.Context) error {
		return errors.New("server selection error: 10.1.2.3:27017 connection refused")
	})
	base := serve(t, srv)
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string            `json:"status"`
		Failed map[string]string `json:"failed"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || body.Failed["mongo"] != "unavailable" {
		t.Fatalf("readyz: %d %+v, want 503 with mongo unavailable", resp.StatusCode, body)
	}
	for _, v := range body.Failed {
		if strings.Contains(v, "10.1.2.3") {
			t.Fatalf("readyz shows the cause: %q", v)
		}
	}
}
