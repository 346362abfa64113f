package httpx_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// Headers over our limit answer 431 in the contract's shape, not net/http's
// plain text; headers under it pass.
func TestHeadersTooLargeAnswerJSON(t *testing.T) {
	srv, err := httpx.NewServer("127.0.0.1:0", "test", prometheus.NewRegistry(), testenv.Logger(), httpx.WithMaxHeaderBytes(8<<10))
	if err != nil {
		t.Fatal(err)
	}
	srv.Mux.HandleFunc("GET /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	})
	base := serve(t, srv)
	for _, tt := range []struct {
		path   string
		header int
		want   int
	}{
		{"/v1/items/a", 4 << 10, 200},
		{"/v1/items/a", 9 << 10, 431},
		{"/nowhere", 9 << 10, 431},
		{"/v1/items/a", 600 << 10, 431}, // far above ours, still below net/http's
	} {
		resp, body := call(t, "GET", base+tt.path, map[string]string{"X-Padding": strings.Repeat("x", tt.header)})
		if resp.StatusCode != tt.want {
			t.Errorf("%d-byte header: %d, want %d", tt.header, resp.StatusCode, tt.want)
		}
		if tt.want == 431 && (body.Error.Code != "headers_too_large" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")) {
			t.Errorf("%d-byte header: %+v %s", tt.header, body, resp.Header.Get("Content-Type"))
		}
	}
}

// A client that hangs up mid-request is not the service's failure: the
// error the cancelled work returns is neither logged as an error nor
// counted as a 5xx, but as 499.
func TestClientDisconnectIsNot5xx(t *testing.T) {
	logs := &testenv.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg := prometheus.NewRegistry()
	srv, err := httpx.NewServer("127.0.0.1:0", "test", reg, log)
	if err != nil {
		t.Fatal(err)
	}
	started := map[string]chan struct{}{"/v1/slow": make(chan struct{}), "/v1/plain": make(chan struct{})}
	encode := httpx.ErrorEncoder(log)
	srv.Mux.HandleFunc("GET /v1/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started[r.URL.Path])
		<-r.Context().Done() // a database call would return this, wrapped
		encode(r.Context(), errors.Join(errors.New("find items"), r.Context().Err()), w)
	})
	srv.Mux.HandleFunc("GET /v1/plain", func(w http.ResponseWriter, r *http.Request) {
		close(started[r.URL.Path])
		<-r.Context().Done() // a handler without our encoder answering 500
		w.WriteHeader(http.StatusInternalServerError)
	})
	base := serve(t, srv)

	for _, path := range []string{"/v1/slow", "/v1/plain"} {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		done := make(chan error, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		<-started[path]
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: client got %v, want its own cancellation", path, err)
		}
	}
	testenv.WaitFor(t, 5*time.Second, "both requests counted", func() bool {
		return testutil.ToFloat64(counterOf(t, reg, "tuijin_http_requests_total", `route="/v1/`)) == 2
	})
	for _, route := range []string{"/v1/slow", "/v1/plain"} {
		if n := testutil.ToFloat64(counterOf(t, reg, "tuijin_http_requests_total", `code="499",method="GET",route="`+route+`"`)); n != 1 {
			t.Errorf("%s: %v requests counted as 499, want 1", route, n)
		}
	}
	if n := testutil.ToFloat64(counterOf(t, reg, "tuijin_http_requests_total", `code="5`)); n != 0 {
		t.Errorf("%v requests counted as 5xx", n)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a client's disconnect is logged as an error:\n%s", logs)
	}
}

// A handler that outlives its budget answers 503 "timeout" in the
// contract's shape before the write timeout would cut the connection.
func TestHandlerTimeoutAnswers503(t *testing.T) {
	srv, err := httpx.NewServer("127.0.0.1:0", "test", prometheus.NewRegistry(), testenv.Logger(),
		httpx.WithHandlerTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	encode := httpx.ErrorEncoder(testenv.Logger())
	srv.Mux.HandleFunc("GET /v1/export", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		encode(r.Context(), r.Context().Err(), w)
	})
	base := serve(t, srv)
	resp, body := call(t, "GET", base+"/v1/export", nil)
	if resp.StatusCode != 503 || body.Error.Code != "timeout" {
		t.Errorf("%d %+v, want 503 timeout", resp.StatusCode, body)
	}
}

func TestStatusOfCancellation(t *testing.T) {
	if s := httpx.StatusOf(errors.Join(errors.New("mongo"), context.Canceled)); s != httpx.StatusClientClosedRequest {
		t.Errorf("cancelled: %d", s)
	}
	if s := httpx.StatusOf(context.DeadlineExceeded); s != 503 {
		t.Errorf("deadline: %d", s)
	}
}
