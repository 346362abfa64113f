package web

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// testSecret is the CSRF secret of the portals the tests build.
var testSecret = []byte(strings.Repeat("k", 32))

// portalOver is the portal's routes over the services at ends (test
// upstreams), with the demo organisation, testSecret and now as the
// portal's clock (nil: the real one).
func portalOver(tb testing.TB, ends api.Endpoints, now func() time.Time) *http.ServeMux {
	tb.Helper()
	c, err := api.New(&http.Client{Timeout: 10 * time.Second}, ends, prometheus.NewRegistry())
	if err != nil {
		tb.Fatal(err)
	}
	o, err := org.Demo()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(Deps{Backend: c, Forms: c, Work: c, Lead: c, Org: o, Secret: testSecret,
		Log: slog.New(slog.DiscardHandler), Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Routes(mux)
	return mux
}
