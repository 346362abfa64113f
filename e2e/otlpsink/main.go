// Command otlpsink receives traces the way an OpenTelemetry Collector does,
// through the OTLP TraceService that the OpenTelemetry project generates
// (go.opentelemetry.io/proto/otlp, OTLP/gRPC), and keeps them in memory: the
// end-to-end trace test points the services' exporters at it and reads the
// spans back as JSON from GET /spans.
//
// The Collector's own otlpreceiver (v0.165.0) would be the heavier choice:
// its cold build (fresh GOCACHE) took 6.5 minutes here, this one 1m09s, and
// in the e2e run it shares the packages the services have just built.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

// Span is one received span as the test reads it.
type Span struct {
	Service      string            `json:"service"`
	TraceID      string            `json:"trace_id"`
	SpanID       string            `json:"span_id"`
	ParentSpanID string            `json:"parent_span_id,omitempty"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	Attributes   map[string]string `json:"attributes,omitempty"`
	Links        []Link            `json:"links,omitempty"`
}

// Link is a span link: the context of another span.
type Link struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
}

type sink struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []Span
}

// Export is the TraceService's one call, as an exporter makes it.
func (s *sink) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	var got []Span
	for _, rs := range req.GetResourceSpans() {
		service := attributes(rs.GetResource().GetAttributes())["service.name"]
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				got = append(got, toSpan(service, sp))
			}
		}
	}
	s.mu.Lock()
	s.spans = append(s.spans, got...)
	s.mu.Unlock()
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func toSpan(service string, sp *tracev1.Span) Span {
	out := Span{Service: service, TraceID: hex.EncodeToString(sp.GetTraceId()), SpanID: hex.EncodeToString(sp.GetSpanId()),
		ParentSpanID: hex.EncodeToString(sp.GetParentSpanId()), Name: sp.GetName(), Kind: sp.GetKind().String(),
		Attributes: attributes(sp.GetAttributes())}
	for _, l := range sp.GetLinks() {
		out.Links = append(out.Links, Link{TraceID: hex.EncodeToString(l.GetTraceId()), SpanID: hex.EncodeToString(l.GetSpanId())})
	}
	return out
}

// attributes flattens OTLP attributes to strings (the test compares text).
func attributes(kvs []*commonv1.KeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		v := kv.GetValue()
		switch {
		case v.GetStringValue() != "":
			out[kv.GetKey()] = v.GetStringValue()
		default:
			out[kv.GetKey()] = fmt.Sprint(v.GetValue())
		}
	}
	return out
}

func (s *sink) serveSpans(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	spans := append([]Span{}, s.spans...)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(spans)
}

func main() {
	// --http-addr is the flag stack.Start passes every program it runs.
	otlpAddr := flag.String("otlp-addr", envOr("OTLPSINK_OTLP_ADDR", "127.0.0.1:4317"), "OTLP/gRPC listen address (env OTLPSINK_OTLP_ADDR)")
	queryAddr := flag.String("http-addr", "127.0.0.1:4319", "listen address of GET /spans and /readyz")
	flag.Parse()
	if err := run(*otlpAddr, *queryAddr); err != nil {
		fmt.Fprintln(os.Stderr, "otlpsink:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(otlpAddr, queryAddr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &sink{}

	gln, err := net.Listen("tcp", otlpAddr)
	if err != nil {
		return err
	}
	gs := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(gs, s)
	go func() { _ = gs.Serve(gln) }()
	defer gs.Stop()

	qln, err := net.Listen("tcp", queryAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /spans", s.serveSpans)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(qln) }()
	fmt.Printf("otlpsink: OTLP/gRPC on %s, spans on http://%s/spans\n", otlpAddr, queryAddr)
	<-ctx.Done()
	return hs.Shutdown(context.Background())
}
