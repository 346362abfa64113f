package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/platform"
)

// TestTimeoutsAreOrdered reads the defaults every service and the portal
// start with, and the retry guidance of the README, and checks that each
// party gives up after the one it waits on: a service's handler deadline
// and write timeout < the portal's upstream timeout < the portal's handler
// deadline and write timeout < what the README tells clients to wait. Then
// a client always hears the answer of the side that gave up (a 503
// "timeout" in the contract's shape) instead of cutting the connection
// itself, not knowing whether its write landed.
func TestTimeoutsAreOrdered(t *testing.T) {
	// The defaults, not this machine's settings.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TUIJIN_") {
			t.Setenv(k, "")
			_ = os.Unsetenv(k)
		}
	}
	var svc platform.Config
	if err := parseConfig(nil, &svc, io.Discard); err != nil {
		t.Fatal(err)
	}
	var cfg config
	if err := parseConfig(nil, &cfg, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg.HTTP.Addr = "127.0.0.1:0"
	log := slog.New(slog.DiscardHandler)

	// A service's server is built with its handler timeout, as platform does.
	service := timeoutsOf(t, func() (*httpx.Server, error) {
		return httpx.NewServer("127.0.0.1:0", "service", prometheus.NewRegistry(), log,
			httpx.WithHandlerTimeout(svc.HTTP.HandlerTimeout))
	})
	portal := timeoutsOf(t, func() (*httpx.Server, error) {
		return newServer(&cfg, prometheus.NewRegistry(), noop.NewTracerProvider(), log)
	})
	upstream := upstreamClient(&cfg, noop.NewTracerProvider()).Timeout

	readme, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`should wait at least (\d+) s`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README: no client guidance \"should wait at least N s\"")
	}
	guidance, err := time.ParseDuration(string(m[1]) + "s")
	if err != nil {
		t.Fatal(err)
	}

	order := []struct {
		what string
		d    time.Duration
	}{
		{"a service's handler deadline (TUIJIN_HTTP_HANDLER_TIMEOUT)", service.Handler},
		{"a service's write timeout", service.Write},
		{"the portal's upstream timeout (TUIJIN_UPSTREAM_TIMEOUT)", upstream},
		{"the portal's handler deadline (its TUIJIN_HTTP_HANDLER_TIMEOUT)", portal.Handler},
		{"the portal's write timeout", portal.Write},
		{"the README's client guidance", guidance},
	}
	for i, o := range order {
		t.Logf("%-66s %s", o.what, o.d)
		if i > 0 && o.d <= order[i-1].d {
			t.Errorf("%s (%s) must be longer than %s (%s)", o.what, o.d, order[i-1].what, order[i-1].d)
		}
	}
}

// timeoutsOf builds a server, reads its limits and closes it.
func timeoutsOf(t *testing.T, build func() (*httpx.Server, error)) httpx.Timeouts {
	t.Helper()
	srv, err := build()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Run(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	return srv.Timeouts()
}
