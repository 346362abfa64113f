package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tuijin/tuijin/pkg/telemetry"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestTracingExportsOTLPHTTP: with OTEL_EXPORTER_OTLP_ENDPOINT set and no
// protocol, spans go out as OTLP/HTTP protobuf (POST /v1/traces), named by
// the service's resource, within OTEL_BSP_SCHEDULE_DELAY.
func TestTracingExportsOTLPHTTP(t *testing.T) {
	var (
		mu    sync.Mutex
		names []string
		svc   string
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req collectortrace.ExportTraceServiceRequest
		if err != nil || r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range req.GetResourceSpans() {
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					svc = kv.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					names = append(names, s.GetName())
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(nil)
	}))
	defer receiver.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")

	tp, shutdown, err := telemetry.Tracing(context.Background(), "intake")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = shutdown(context.Background()) }()
	_, span := tp.Tracer("test").Start(context.Background(), "exported")
	span.End()
	testenv.WaitFor(t, time.Minute, "the span at the receiver", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(names) == 1 && names[0] == "exported" && svc == "tuijin-intake"
	})
}

func TestTracingRefusesUnknownProtocol(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
	if _, _, err := telemetry.Tracing(context.Background(), "intake"); err == nil {
		t.Fatal("an unsupported OTLP protocol was accepted")
	}
}
