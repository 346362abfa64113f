package transport

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// The routes themselves refuse a call that carries no principal, even
// mounted on a mux that authenticates nothing: an HTTP path without one is
// never allowed (the clock and the calendar here are empty: nothing is
// read before the refusal).
func TestRoutesRefuseCallsWithoutAPrincipal(t *testing.T) {
	mux := http.NewServeMux()
	Routes(mux, deadline.NewService(deadline.Config{}), testenv.Logger())
	CalendarRoutes(mux, StaticCalendar{}, testenv.Logger())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/v1/deadlines?department=zrzy", "/v1/deadlines", "/v1/deadlines/item:x",
		"/v1/calendar/years", "/v1/calendar/years/2026", "/v1/calendar/workdays?from=2026-09-28&to=2026-10-12",
		"/v1/calendar/add?date=2026-02-13&days=2"} {
		var body httpx.ErrorBody
		if code := testenv.CallJSON(t, http.MethodGet, srv.URL+path, "", nil, &body); code != http.StatusUnauthorized || body.Error.Code != "unauthenticated" {
			t.Errorf("%s: %d %+v", path, code, body.Error)
		}
	}
}
