package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// The routes themselves refuse a call that carries no principal, even
// mounted on a mux that authenticates nothing: an HTTP path without one is
// never allowed (there is no service behind them here: nothing is reached
// before the refusal).
func TestRoutesRefuseCallsWithoutAPrincipal(t *testing.T) {
	mux := http.NewServeMux()
	Routes(mux, nil, testenv.Logger())
	ProceedingsRoutes(mux, nil, testenv.Logger())
	ActionRoutes(mux, meeting.NewActions(nil, clock.NewManual(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), 0)), testenv.Logger())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/meetings"}, {"GET", "/v1/meetings/m"}, {"GET", "/v1/meetings/m/invite.ics"},
		{"GET", "/v1/meetings/m/minutes.md"}, {"GET", "/v1/meetings/m/minutes.xlsx"}, {"GET", "/v1/agenda-candidates"},
		{"POST", "/v1/meetings"}, {"PUT", "/v1/meetings/m/agenda"}, {"POST", "/v1/meetings/m/minutes"},
		{"POST", "/v1/meetings/m/move"}, {"POST", "/v1/meetings/m/cancel"},
		{"POST", "/v1/meetings/m/actions/1/done"}, {"POST", "/v1/meetings/m/actions/1/confirm"},
		{"POST", "/v1/meetings/m/actions/1/reopen"},
	} {
		var body httpx.ErrorBody
		ct, in := "", ""
		if r.method != "GET" {
			ct, in = "application/json", `{}`
		}
		if code := testenv.CallJSON(t, r.method, srv.URL+r.path, ct, strings.NewReader(in), &body); code != http.StatusUnauthorized ||
			body.Error.Code != "unauthenticated" {
			t.Errorf("%s %s: %d %+v", r.method, r.path, code, body.Error)
		}
	}
}
