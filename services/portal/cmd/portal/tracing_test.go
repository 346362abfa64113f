package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// A page and the calls it makes to the services are one trace: the portal
// as main wires it starts a server span for the page, and its upstream
// client sends a traceparent naming that trace (and its own client span as
// the parent) to the service.
func TestPageAndItsUpstreamCallsAreOneTrace(t *testing.T) {
	var (
		mu      sync.Mutex
		parents []string
	)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		parents = append(parents, r.Header.Get("traceparent"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"total":0,"items":[]}`)
	}))
	t.Cleanup(up.Close)

	var cfg config
	if err := parseConfig(nil, &cfg, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Intake.URL = up.URL
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	log := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	cal, _, err := workday.Load("")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(&cfg, reg, tp, log)
	if err != nil {
		t.Fatal(err)
	}
	site, err := newSite(&cfg, "", []byte(strings.Repeat("k", 32)), o, cal, reg, tp, log)
	if err != nil {
		t.Fatal(err)
	}
	site.Routes(srv.Mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, time.Second) }()
	t.Cleanup(func() { cancel(); <-done })

	// An owner's session (the portal reads the claims; the services, here
	// the upstream, would verify the token).
	payload, _ := json.Marshal(map[string]any{"sub": "zhineng", "name": "王经理", "roles": []string{"owner"},
		"owner": "示范智能装备有限公司", "exp": time.Now().Add(time.Hour).Unix()})
	req, _ := http.NewRequest(http.MethodGet, "http://"+srv.Addr()+"/projects", nil)
	req.AddCookie(&http.Cookie{Name: "tuijin_session", Value: "eyJhbGciOiJFZERTQSJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/projects: %d", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + srv.Addr() + "/healthz"); err == nil {
		resp.Body.Close()
	}

	// The server span ends once the handler has returned, which may be
	// just after the answer reached the client.
	testenv.WaitFor(t, time.Minute, "the page's server span to end", func() bool {
		for _, s := range spans.Ended() {
			if s.SpanKind() == trace.SpanKindServer {
				return true
			}
		}
		return false
	})
	var page, call sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindServer:
			if page != nil {
				t.Errorf("a second server span %q (/healthz is not traced)", s.Name())
			}
			page = s
		case trace.SpanKindClient:
			call = s
		}
	}
	if page == nil || call == nil {
		t.Fatalf("spans: page %v, call %v", page, call)
	}
	if page.Name() != "GET /projects" || page.Parent().IsValid() {
		t.Errorf("page span %q, parent %v: want a root span named after the route", page.Name(), page.Parent())
	}
	if call.SpanContext().TraceID() != page.SpanContext().TraceID() || call.Parent().SpanID() != page.SpanContext().SpanID() {
		t.Errorf("the upstream call's span is not the page's child")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(parents) != 1 {
		t.Fatalf("upstream calls: %d", len(parents))
	}
	// traceparent: version-traceid-parentid-flags (W3C Trace Context).
	f := strings.Split(parents[0], "-")
	if len(f) != 4 || f[1] != page.SpanContext().TraceID().String() || f[2] != call.SpanContext().SpanID().String() {
		t.Errorf("upstream got traceparent %q, want trace %s and parent %s", parents[0], page.SpanContext().TraceID(), call.SpanContext().SpanID())
	}
	t.Logf("page trace %s, upstream traceparent %s", page.SpanContext().TraceID(), parents[0])
}
