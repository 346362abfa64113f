package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"

	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/event"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// getJSON GETs url as principal as and decodes the answer into into.
func getJSON(t testing.TB, as auth.Principal, url string, into any) int {
	t.Helper()
	resp := do(t, as, http.MethodGet, url, nil)
	defer resp.Body.Close()
	if into != nil {
		_ = json.NewDecoder(resp.Body).Decode(into)
	}
	return resp.StatusCode
}

// do sends a request with body (nil: none) as principal as, with its
// bearer token (nobody: without one).
func do(t testing.TB, as auth.Principal, method, url string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as.Subject != "" {
		req.Header.Set("Authorization", "Bearer "+testenv.Token(t, as))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// clerkOf is a clerk of the department the demo catalog gives the item of
// type key.
func clerkOf(t testing.TB, key string) auth.Principal {
	t.Helper()
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Demo(func(c string) bool { _, ok := o.Department(c); return ok })
	if err != nil {
		t.Fatal(err)
	}
	it, ok := cat.Item(key)
	if !ok {
		t.Fatalf("no item %s in the demo catalog", key)
	}
	return testenv.Clerk(it.Department)
}

// send sends body as JSON as principal as and decodes the answer into into.
func send(t *testing.T, as auth.Principal, method, url string, body any, into any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp := do(t, as, method, url, b)
	defer resp.Body.Close()
	if into != nil {
		_ = json.NewDecoder(resp.Body).Decode(into)
	}
	return resp.StatusCode
}

func readLedgerEvents(t *testing.T, js jetstream.JetStream) ([]*ledgerv1.ItemAssigned, []*ledgerv1.ItemChanged) {
	t.Helper()
	var assigned []*ledgerv1.ItemAssigned
	var changed []*ledgerv1.ItemChanged
	for _, m := range testenv.StreamMessages(t, js, bus.EventsStream, ">") {
		env, err := event.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(m.Subject(), event.TypeItemAssigned+"."):
			var a ledgerv1.ItemAssigned
			if err := event.Payload(env, &a); err != nil {
				t.Fatal(err)
			}
			if m.Subject() != event.ForDepartment(event.TypeItemAssigned, a.GetDepartment()) {
				t.Errorf("item.assigned of %s on %s", a.GetDepartment(), m.Subject())
			}
			assigned = append(assigned, &a)
		case strings.HasPrefix(m.Subject(), event.TypeItemChanged+"."):
			var c ledgerv1.ItemChanged
			if err := event.Payload(env, &c); err != nil {
				t.Fatal(err)
			}
			if m.Subject() != event.ForDepartment(event.TypeItemChanged, c.GetDepartment()) {
				t.Errorf("item.changed of %s on %s", c.GetDepartment(), m.Subject())
			}
			changed = append(changed, &c)
		}
	}
	return assigned, changed
}

func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

func sumOf(m map[string]float64, prefix string) float64 {
	s := 0.0
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			s += v
		}
	}
	return s
}

// publishRegistration publishes p's tuijin.intake.project.registered as
// intake would, at the clock's time.
func publishRegistration(t *testing.T, pub *bus.Publisher, clk clock.Clock, p *intakev1.Project) {
	t.Helper()
	reg, err := event.New(event.TypeProjectRegistered, "intake", event.Ref("project", p.GetCode()), clk.Now(),
		&intakev1.ProjectRegistered{RegisteredAt: timestamppb.New(clk.Now()), Project: p})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.PublishEvent(context.Background(), event.TypeProjectRegistered, reg); err != nil {
		t.Fatal(err)
	}
}

// startWithProject runs the ledger on clk against a fresh JetStream (args
// add flags), registers p through the bus as intake would and waits until
// the ledger holds it; pub sends further events as the other services do.
func startWithProject(t *testing.T, clk *clock.Manual, p *intakev1.Project, args ...string) (base string, pub *bus.Publisher, proj ledger.Project) {
	t.Helper()
	natsURL, js := testenv.JetStream(t)
	base = start(t, clk, append([]string{"--nats-url=" + natsURL, "--mongo-uri=" + testenv.MongoURI(t)}, args...)...)
	pub = bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	publishRegistration(t, pub, clk, p)
	waitFor(t, "the ledger of "+p.GetCode(), func() bool {
		return getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+p.GetCode(), &proj) == http.StatusOK
	})
	return base, pub, proj
}
