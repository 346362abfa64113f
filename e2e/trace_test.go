package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/tools/stack"
)

// buildSink compiles e2e/otlpsink, the OTLP receiver the trace test exports
// to, next to the services (its packages are mostly theirs: a few seconds).
func buildSink(ctx context.Context, dir string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "otlpsink"), "./e2e/otlpsink")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build otlpsink: %w\n%s", err, out)
	}
	return nil
}

// span is one span as the sink reports it (e2e/otlpsink).
type span struct {
	Service      string            `json:"service"`
	TraceID      string            `json:"trace_id"`
	SpanID       string            `json:"span_id"`
	ParentSpanID string            `json:"parent_span_id"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	Attributes   map[string]string `json:"attributes"`
	Links        []struct {
		TraceID string `json:"trace_id"`
		SpanID  string `json:"span_id"`
	} `json:"links"`
}

func (s span) String() string {
	return fmt.Sprintf("%s %q (%s, span %s, parent %s)", s.Service, s.Name, s.Kind, s.SpanID, s.ParentSpanID)
}

// linksTo reports whether s links to the span p.
func (s span) linksTo(p span) bool {
	return slices.ContainsFunc(s.Links, func(l struct {
		TraceID string `json:"trace_id"`
		SpanID  string `json:"span_id"`
	}) bool {
		return l.TraceID == p.TraceID && l.SpanID == p.SpanID
	})
}

// trace is the spans of one trace, by id.
type trace map[string]span

func (tr trace) find(service, name, kind string) []span {
	var out []span
	for _, s := range tr {
		if s.Service == "tuijin-"+service && s.Name == name && s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// descends reports whether s is a (transitive) child of ancestor.
func (tr trace) descends(s, ancestor span) bool {
	for p, ok := tr[s.ParentSpanID]; ok; p, ok = tr[p.ParentSpanID] {
		if p.SpanID == ancestor.SpanID {
			return true
		}
	}
	return false
}

// sinkTrace reads the spans of traceID the sink has received.
func sinkTrace(t *testing.T, sinkURL, traceID string) trace {
	t.Helper()
	resp, err := http.Get(sinkURL + "/spans")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var spans []span
	if err := json.NewDecoder(resp.Body).Decode(&spans); err != nil {
		t.Fatal(err)
	}
	tr := trace{}
	for _, s := range spans {
		if s.TraceID == traceID {
			tr[s.SpanID] = s
		}
	}
	return tr
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestTraceSpansTheSystem: one POST /v1/projects, sent with a W3C
// traceparent as a department's system or the portal would, is one trace in
// a real OTLP receiver: intake's server span and its publish, the ledger's
// process span and its item.assigned publishes, and the deadline and
// notification process spans of those assignments; each NATS hop is a
// consumer span that is the child of the producer span and links to it.
func TestTraceSpansTheSystem(t *testing.T) {
	sinkAddr, otlpAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	logs := &testenv.LogBuffer{}
	sink, err := stack.Start(filepath.Join(binDir, "otlpsink"), "otlpsink", sinkAddr,
		[]string{"OTLPSINK_OTLP_ADDR=" + otlpAddr}, logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Stop(10 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := sink.WaitReady(ctx); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}

	s := newSystem(t)
	s.env = append(s.env,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+otlpAddr,
		"OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
		// Export within 100 ms of a span's end rather than 5 s.
		"OTEL_BSP_SCHEDULE_DELAY=100")
	s.start("intake", "ledger", "deadline", "notification")

	traceID, callerSpan := randomHex(t, 16), randomHex(t, 8)
	resp := s.postJSON(owner, s.url("intake")+"/v1/projects", project(projectCode(1501)),
		map[string]string{"traceparent": "00-" + traceID + "-" + callerSpan + "-01"}, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: status %d", resp.StatusCode)
	}

	publishRegistered := "publish " + event.TypeProjectRegistered
	publishAssigned := "publish " + event.TypeItemAssigned
	want := []struct{ service, name, kind string }{
		{"intake", "POST /v1/projects", "SPAN_KIND_SERVER"},
		{"intake", publishRegistered, "SPAN_KIND_PRODUCER"},
		{"ledger", "process ledger-project-registered", "SPAN_KIND_CONSUMER"},
		{"ledger", publishAssigned, "SPAN_KIND_PRODUCER"},
		{"deadline", "process deadline-item-assigned", "SPAN_KIND_CONSUMER"},
		{"notification", "process notification-item-assigned", "SPAN_KIND_CONSUMER"},
		{"notification", "process notification-project-registered", "SPAN_KIND_CONSUMER"},
	}
	var tr trace
	present := func() uint64 {
		tr = sinkTrace(t, sink.URL(), traceID)
		n := uint64(0)
		for _, w := range want {
			if len(tr.find(w.service, w.name, w.kind)) > 0 {
				n++
			}
		}
		return n
	}
	// As long as another kind of span keeps arriving, the system is
	// getting there; two idle minutes are a failure even on a loaded machine.
	testenv.WaitProgress(t, 2*time.Minute, "the trace's spans in the OTLP receiver", present, uint64(len(want)))
	t.Logf("trace %s: %d spans", traceID, len(tr))
	for _, sp := range tr {
		t.Logf("  %s", sp)
	}

	server := tr.find("intake", "POST /v1/projects", "SPAN_KIND_SERVER")[0]
	if server.ParentSpanID != callerSpan {
		t.Errorf("intake's server span %s: parent %s, want the caller's %s", server, server.ParentSpanID, callerSpan)
	}
	if got := server.Attributes["http.route"]; got != "/v1/projects" {
		t.Errorf("intake's server span: http.route %q", got)
	}
	// The relay publishes right after the write, and the outbox sweep may
	// publish the same entry again before it is pulled (the stream drops
	// the duplicate): each publish continues the context stored with the
	// entry, the sweep's too, so each is under the server span.
	registered := tr.find("intake", publishRegistered, "SPAN_KIND_PRODUCER")
	for _, p := range registered {
		if !tr.descends(p, server) {
			t.Errorf("%s: not under the server span %s", p, server)
		}
	}
	// hop checks a NATS hop: every process span of consumer (in service)
	// is the child of one of the producer spans and links to it.
	hop := func(service, consumer string, producers []span) []span {
		t.Helper()
		spans := tr.find(service, "process "+consumer, "SPAN_KIND_CONSUMER")
		for _, c := range spans {
			i := slices.IndexFunc(producers, func(p span) bool { return p.SpanID == c.ParentSpanID })
			if i < 0 {
				t.Errorf("%s: parent is none of the producer spans %v", c, producers)
				continue
			}
			if !c.linksTo(producers[i]) {
				t.Errorf("%s: no link to its producer %s (links %v)", c, producers[i], c.Links)
			}
			if c.Attributes["messaging.system"] != "nats" || c.Attributes["messaging.consumer.group.name"] != consumer ||
				c.Attributes["messaging.operation.type"] != "process" {
				t.Errorf("%s: messaging attributes %v", c, c.Attributes)
			}
		}
		return spans
	}
	ledger := hop("ledger", "ledger-project-registered", registered)
	hop("notification", "notification-project-registered", registered)
	var assigned []span
	for _, p := range tr.find("ledger", publishAssigned, "SPAN_KIND_PRODUCER") {
		if !slices.ContainsFunc(ledger, func(l span) bool { return tr.descends(p, l) }) {
			t.Errorf("%s: not under the ledger's process span %v", p, ledger)
		}
		assigned = append(assigned, p)
	}
	hop("deadline", "deadline-item-assigned", assigned)
	hop("notification", "notification-item-assigned", assigned)
}
