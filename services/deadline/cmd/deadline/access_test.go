package main

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
)

// The callers of the table: each role, the out-of-scope variants, and no
// token at all.
var callers = testenv.Callers(testenv.As("clerk without department", testenv.Clerk("")))

// TestAccessByRoleAndRoute runs the service as main wires it and calls
// every route as every caller (pkg/auth/ACCESS.md, deadline): the calendar
// is any signed-in caller's; a deadline and a department's list are read by
// that department's clerk and leader, an officer, a supervisor and a
// secretary; a clerk's or leader's list without a department is theirs.
// Allowed calls answer 200, refused ones 403 forbidden, calls without a
// token 401 unauthenticated, and the denials are counted per route.
func TestAccessByRoleAndRoute(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	mongoURI := testenv.MongoURI(t)
	const dbName = "tuijin_deadline_access"
	seedDeadlines(t, mongoURI, dbName, map[string]string{"acc.zrzy": "zrzy", "acc.fgw": "fgw"})
	cfg := newConfig()
	base := testenv.Service(t, "deadline", cfg, setup(cfg), "--nats-url="+natsURL, "--mongo-uri="+mongoURI,
		"--mongo-database="+dbName)

	everyone := func(string) int { return http.StatusOK }
	readers := func(dept string) func(string) int {
		return func(c string) int {
			switch c {
			case "no token":
				return http.StatusUnauthorized
			case "officer", "supervisor", "secretary", "clerk " + dept, "leader " + dept:
				return http.StatusOK
			}
			return http.StatusForbidden
		}
	}
	// A list without a department: every reader's, a clerk's or leader's
	// forced to their department (a clerk without one is refused).
	ownList := func(c string) int {
		switch c {
		case "no token":
			return http.StatusUnauthorized
		case "owner", "operations", "clerk without department":
			return http.StatusForbidden
		}
		return http.StatusOK
	}
	routes := []struct {
		path string
		want func(caller string) int
		// listed, when not nil, is the departments the list of each
		// allowed caller must hold.
		listed func(caller string) []string
	}{
		{path: "/v1/calendar/years", want: everyone},
		{path: "/v1/calendar/years/2026", want: everyone},
		{path: "/v1/calendar/workdays?from=2026-09-28&to=2026-10-12", want: everyone},
		{path: "/v1/calendar/add?date=2026-02-13&days=2", want: everyone},
		{path: "/v1/deadlines?department=zrzy", want: readers("zrzy"),
			listed: func(string) []string { return []string{"zrzy"} }},
		{path: "/v1/deadlines?department=fgw&level=green", want: readers("fgw"),
			listed: func(string) []string { return []string{"fgw"} }},
		{path: "/v1/deadlines", want: ownList, listed: func(c string) []string {
			if _, dept, ok := strings.Cut(c, " "); ok && (strings.HasPrefix(c, "clerk ") || strings.HasPrefix(c, "leader ")) {
				return []string{dept}
			}
			return []string{"fgw", "zrzy"}
		}},
		{path: "/v1/deadlines/item:acc.zrzy", want: readers("zrzy")},
		{path: "/v1/deadlines/item:acc.fgw", want: readers("fgw")},
	}
	for _, r := range routes {
		for _, c := range callers {
			want := r.want(c.Name)
			if c.P == nil {
				want = http.StatusUnauthorized
			}
			var body struct {
				httpx.ErrorBody
				Deadlines []deadline.Deadline `json:"deadlines"`
			}
			got := call(t, c, base+r.path, &body)
			if got != want {
				t.Errorf("%s as %s: %d %+v, want %d", r.path, c.Name, got, body.Error, want)
				continue
			}
			switch {
			case want == http.StatusUnauthorized && body.Error.Code != "unauthenticated",
				want == http.StatusForbidden && (body.Error.Code != "forbidden" || body.Error.Message == ""):
				t.Errorf("%s as %s: error %+v", r.path, c.Name, body.Error)
			case want == http.StatusOK && r.listed != nil:
				var depts []string
				for _, d := range body.Deadlines {
					depts = append(depts, d.Department)
				}
				slices.Sort(depts)
				if strings.Join(depts, ",") != strings.Join(r.listed(c.Name), ",") {
					t.Errorf("%s as %s lists departments %v, want %v", r.path, c.Name, depts, r.listed(c.Name))
				}
			}
		}
	}
	// A clerk naming another department is refused in words that say what
	// they may read.
	var body httpx.ErrorBody
	if got := call(t, testenv.As("clerk", testenv.Clerk("zrzy")), base+"/v1/deadlines?department=fgw", &body); got != http.StatusForbidden ||
		!strings.Contains(body.Error.Message, "zrzy") || !strings.Contains(body.Error.Message, "fgw") {
		t.Errorf("clerk of zrzy asking for fgw: %d %+v", got, body.Error)
	}
	// A token that does not verify is no token.
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/calendar/years", nil)
	req.Header.Set("Authorization", "Bearer "+testenv.Token(t, testenv.AsSupervisor)+"x")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// The route label is the route's pattern (with or without its method).
	metrics := scrape(t, base)
	for _, want := range []string{
		`tuijin_http_requests_total\{code="403",method="GET",route="(GET )?/v1/deadlines/\{id\}"\} [1-9]`,
		`tuijin_http_requests_total\{code="403",method="GET",route="(GET )?/v1/deadlines"\} [1-9]`,
		`tuijin_http_requests_total\{code="401",method="GET",route="(GET )?/v1/calendar/years"\} [1-9]`,
	} {
		if !regexp.MustCompile(want).MatchString(metrics) {
			t.Errorf("denials not counted: no %s in\n%s", want, metrics)
		}
	}
}

// call sends GET url as c (without a token when c has no principal).
func call(t *testing.T, c testenv.Caller, url string, into any) int {
	t.Helper()
	if c.P == nil {
		return testenv.CallJSON(t, http.MethodGet, url, "", nil, into)
	}
	return testenv.CallAs(t, *c.P, http.MethodGet, url, "", nil, into)
}

// seedDeadlines stores a running 10-day item deadline per item id of
// items, in the department it maps to.
func seedDeadlines(t *testing.T, mongoURI, dbName string, items map[string]string) {
	t.Helper()
	ctx := context.Background()
	client, err := mongox.Connect(ctx, mongoURI)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(ctx) })
	cal, _, err := workday.Load("")
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(client.Database(dbName))
	for id, dept := range items {
		d := deadline.ForItem(cal, deadline.ItemAssignment{ItemID: id, Department: dept, AssignedAt: time.Now(),
			PromisedDays: 10}).WithNext(cal, deadline.DefaultPolicy)
		d.Version = 1
		if err := st.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
}
