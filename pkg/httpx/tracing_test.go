package httpx_test

import (
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestServerSpans: every API request has a server span named after its
// route pattern that continues the caller's traceparent, and the handler
// runs in it; /metrics, /healthz and /readyz have none.
func TestServerSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	srv, err := httpx.NewServer("127.0.0.1:0", "test", prometheus.NewRegistry(), testenv.Logger(), httpx.WithTracing(tp))
	if err != nil {
		t.Fatal(err)
	}
	var inHandler trace.SpanContext
	srv.Mux.HandleFunc("POST /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		inHandler = trace.SpanContextFromContext(r.Context())
		w.WriteHeader(http.StatusCreated)
	})
	base := serve(t, srv)

	const traceID, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, err := http.NewRequest(http.MethodPost, base+"/v1/items/2026-370481-04-01-000001", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("traceparent", "00-"+traceID+"-"+callerSpan+"-01")
	for _, r := range []*http.Request{req, mustGet(t, base+"/metrics"), mustGet(t, base+"/healthz"), mustGet(t, base+"/readyz")} {
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want 1 (the API request's): %v", len(spans), spans)
	}
	s := spans[0]
	if s.Name() != "POST /v1/items/{id}" || s.SpanKind() != trace.SpanKindServer {
		t.Fatalf("span %q kind %s, want \"POST /v1/items/{id}\", server", s.Name(), s.SpanKind())
	}
	if s.SpanContext().TraceID().String() != traceID || s.Parent().SpanID().String() != callerSpan {
		t.Fatalf("span in trace %s under %s, want the caller's %s under %s", s.SpanContext().TraceID(), s.Parent().SpanID(), traceID, callerSpan)
	}
	if inHandler.SpanID() != s.SpanContext().SpanID() {
		t.Fatalf("the handler ran in span %s, not the server span %s", inHandler.SpanID(), s.SpanContext().SpanID())
	}
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
