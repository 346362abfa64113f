package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/httpx"
)

// hostileProbe is, per service, a route to call with the wrong method, a
// JSON body with a null deep inside (none for deadline, which takes no
// body) and a cheap route to exhaust a rate limit on.
type hostileProbe struct {
	wrongMethod, allow                        string
	nullMethod, nullPath, nullBody, nullField string
	limited, limitedRoute                     string
}

var hostileProbes = map[string]hostileProbe{
	"intake": {wrongMethod: "/v1/requests/x", allow: "GET, HEAD",
		nullMethod: "POST", nullPath: "/v1/requests", nullBody: `{"project_code":"2026-370481-04-01-000001","title":null}`, nullField: "title",
		limited: "/v1/requests/none", limitedRoute: "/v1/requests/{id}"},
	"ledger": {wrongMethod: "/v1/items", allow: "GET, HEAD",
		nullMethod: "POST", nullPath: "/v1/items/x/actions", nullBody: `{"action":"accept","version":null}`, nullField: "version",
		limited: "/v1/catalog", limitedRoute: "/v1/catalog"},
	"deadline": {wrongMethod: "/v1/deadlines", allow: "GET, HEAD",
		limited: "/v1/calendar/add?date=2026-09-24&days=5", limitedRoute: "/v1/calendar/add"},
	"coordination-meeting": {wrongMethod: "/v1/meetings", allow: "GET, HEAD, POST",
		nullMethod: "POST", nullPath: "/v1/meetings/x/minutes", nullBody: `{"summary":"议定","decisions":[null]}`, nullField: "decisions[0]",
		limited: "/v1/agenda-candidates", limitedRoute: "/v1/agenda-candidates"},
	"notification": {wrongMethod: "/v1/inbox", allow: "GET, HEAD",
		nullMethod: "PUT", nullPath: "/v1/preferences/dept:zrzy", nullBody: `{"channels":["inbox"],"quiet_hours":{"start":null,"end":"07:00"}}`, nullField: "quiet_hours.start",
		limited: "/v1/inbox/unread?recipient=dept:zrzy", limitedRoute: "/v1/inbox/unread"},
}

// TestHostileInputAnswersTheContract probes each of the five services as
// their real processes: an unknown path, a wrong method, oversized headers,
// a null deep in a body and a client over its rate all answer in the
// contract's error shape with the contract's status, and the operational
// routes stay open to a client that is limited.
func TestHostileInputAnswersTheContract(t *testing.T) {
	s := newSystem(t)
	for _, name := range services {
		s.envFor[name] = append(s.envFor[name], "TUIJIN_HTTP_RATE=0.1", "TUIJIN_HTTP_BURST=5")
	}
	s.start(services...)
	for _, name := range services {
		p := hostileProbes[name]
		base := s.url(name)
		expect := func(what string, resp *http.Response, body httpx.ErrorBody, status int, code, field string) {
			t.Helper()
			if resp.StatusCode != status || body.Error.Code != code || body.Error.Field != field ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s %s: %d %s %+v, want %d %s field %q", name, what, resp.StatusCode,
					resp.Header.Get("Content-Type"), body, status, code, field)
			}
		}
		var body httpx.ErrorBody
		expect("unknown path", s.do(supervisor, "GET", base+"/v1/nowhere", "", nil, nil, &body), body, 404, "not_found", "")

		body = httpx.ErrorBody{}
		resp := s.do(supervisor, "DELETE", base+p.wrongMethod, "", nil, nil, &body)
		expect("wrong method", resp, body, 405, "method_not_allowed", "")
		if resp.Header.Get("Allow") != p.allow {
			t.Errorf("%s wrong method: Allow %q, want %q", name, resp.Header.Get("Allow"), p.allow)
		}

		body = httpx.ErrorBody{}
		big := map[string]string{"X-Padding": strings.Repeat("x", 40<<10)}
		expect("oversized headers", s.do(supervisor, "GET", base+"/v1/nowhere", "", nil, big, &body), body, 431, "headers_too_large", "")

		if p.nullPath != "" {
			body = httpx.ErrorBody{}
			resp := s.do(supervisor, p.nullMethod, base+p.nullPath, "application/json", []byte(p.nullBody), nil, &body)
			expect("null in the body", resp, body, 422, "null_value", p.nullField)
		}

		for i := range 5 {
			if resp := s.do(supervisor, "GET", base+p.limited, "", nil, nil, nil); resp.StatusCode == 429 {
				t.Fatalf("%s: request %d of a burst of 5 limited", name, i+1)
			}
		}
		body = httpx.ErrorBody{}
		resp = s.do(supervisor, "GET", base+p.limited, "", nil, nil, &body)
		expect("over the rate", resp, body, 429, "rate_limited", "")
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", name)
		}
		for range 10 {
			if st := s.getJSON(anonymous, base+"/healthz", nil); st != 200 {
				t.Fatalf("%s: /healthz answers %d to a limited client", name, st)
			}
		}
		resp2, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		text, _ := io.ReadAll(resp2.Body)
		resp2.Body.Close()
		if want := `tuijin_http_rate_limited_total{route="` + p.limitedRoute + `"} 1`; !strings.Contains(string(text), want) {
			t.Errorf("%s: /metrics lacks %s", name, want)
		}
	}
}
