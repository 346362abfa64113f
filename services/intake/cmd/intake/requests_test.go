package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// TestRequestListAndRating: an owner lists their organisation's requests
// (an officer theirs, a supervisor all), filtered by project and status, a
// page at a time; once the officer has closed a request the owner rates it
// once (好差评), and the rating is on the request and in the list. Bad input
// and early, second or foreign ratings are refused and change nothing.
func TestRequestListAndRating(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=intake_requests_test")
	const code, otherCode = "2026-370481-04-01-000321", "2026-370481-04-01-000654"
	other := strings.NewReplacer(code, otherCode, "示范新材料有限公司", "城市建设投资集团",
		`"officer":"王芳"`, `"officer":"李军"`).Replace(projectBody)
	for _, body := range []string{projectBody, other} {
		if st := post(t, testenv.AsSupervisor, base+"/v1/projects", body, nil, nil); st != http.StatusCreated {
			t.Fatalf("register: %d", st)
		}
	}
	var first, second, foreign intake.Request
	for _, r := range []struct {
		as   auth.Principal
		body string
		into *intake.Request
	}{
		{ownerA, requestBody, &first},
		{ownerA, strings.Replace(requestBody, "委托代办施工许可", "咨询用地指标", 1), &second},
		{ownerB, strings.Replace(requestBody, code, otherCode, 1), &foreign},
	} {
		if st := post(t, r.as, base+"/v1/requests", r.body, nil, r.into); st != http.StatusCreated {
			t.Fatalf("request: %d", st)
		}
	}
	list := func(as auth.Principal, query string) (int, intake.RequestPage, httpx.ErrorBody) {
		t.Helper()
		var raw struct {
			intake.RequestPage
			httpx.ErrorBody
		}
		st := testenv.CallAs(t, as, http.MethodGet, base+"/v1/requests"+query, "", nil, &raw)
		return st, raw.RequestPage, raw.ErrorBody
	}
	ids := func(p intake.RequestPage) string {
		var out []string
		for _, r := range p.Items {
			out = append(out, r.ID)
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct {
		name  string
		as    auth.Principal
		query string
		total int
		ids   []string
	}{
		{"owner, all of theirs, newest first", ownerA, "", 2, []string{second.ID, first.ID}},
		{"owner, a page", ownerA, "?limit=1&offset=1", 2, []string{first.ID}},
		{"owner, by project", ownerA, "?project=" + code, 2, []string{second.ID, first.ID}},
		{"the other owner sees only theirs", ownerB, "", 1, []string{foreign.ID}},
		{"officer, their projects", officerA, "", 2, []string{second.ID, first.ID}},
		{"officer without projects", testenv.Officer("zhaomin"), "", 0, nil},
		{"supervisor, all", testenv.AsSupervisor, "?status=received", 3, []string{foreign.ID, second.ID, first.ID}},
		{"nothing closed yet", ownerA, "?status=closed", 0, nil},
	} {
		st, page, e := list(tt.as, tt.query)
		if st != http.StatusOK || page.Total != tt.total || ids(page) != strings.Join(tt.ids, ",") {
			t.Errorf("%s: %d %+v total %d [%s]; want total %d %v", tt.name, st, e, page.Total, ids(page), tt.total, tt.ids)
		}
	}
	for _, tt := range []struct {
		as           auth.Principal
		query        string
		status       int
		code, field  string
		wantMentions string
	}{
		{ownerA, "?limit=0", 422, "invalid_limit", "limit", "200"},
		{ownerA, "?limit=ten", 422, "invalid_limit", "limit", "whole number"},
		{ownerA, "?offset=-1", 422, "invalid_offset", "offset", "0"},
		{ownerA, "?status=pending", 422, "invalid_status", "status", "closed"},
		{ownerA, "?project=2026-370481-04-01-999999", 422, "unknown_project", "project", "999999"},
		{ownerB, "?project=" + code, 403, "forbidden", "", code},
		{testenv.Clerk("zrzy"), "", 403, "forbidden", "", "owner"},
	} {
		st, _, e := list(tt.as, tt.query)
		if st != tt.status || e.Error.Code != tt.code || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.wantMentions) {
			t.Errorf("GET /v1/requests%s: %d %+v; want %d %s on %q mentioning %q", tt.query, st, e, tt.status, tt.code, tt.field, tt.wantMentions)
		}
	}

	rate := func(as auth.Principal, id, body string) (int, intake.Request, httpx.ErrorBody) {
		t.Helper()
		var raw struct {
			intake.Request
			httpx.ErrorBody
		}
		st := post(t, as, base+"/v1/requests/"+id+"/rating", body, nil, &raw)
		return st, raw.Request, raw.ErrorBody
	}
	refused := func(what string, as auth.Principal, id, body string, status int, code string) {
		t.Helper()
		if st, _, e := rate(as, id, body); st != status || e.Error.Code != code {
			t.Errorf("%s: %d %+v, want %d %s", what, st, e, status, code)
		}
	}
	refused("rating before the officer closed it", ownerA, first.ID, `{"score":5}`, http.StatusConflict, "request_not_closed")
	publishTaskClosed(t, js, first.ID, time.Now())
	testenv.WaitFor(t, time.Minute, "the request closed", func() bool {
		_, page, _ := list(ownerA, "?status=closed")
		return page.Total == 1
	})
	refused("score 0", ownerA, first.ID, `{"score":0}`, http.StatusUnprocessableEntity, "invalid_score")
	refused("score 6", ownerA, first.ID, `{"score":6,"comment":"好"}`, http.StatusUnprocessableEntity, "invalid_score")
	refused("a long comment", ownerA, first.ID, `{"score":4,"comment":"`+strings.Repeat("长", 501)+`"}`, http.StatusUnprocessableEntity, "too_long")
	refused("a score as text", ownerA, first.ID, `{"score":"5"}`, http.StatusBadRequest, "wrong_type")
	refused("the other owner", ownerB, first.ID, `{"score":1}`, http.StatusForbidden, "forbidden")
	refused("the officer for the owner", officerA, first.ID, `{"score":5}`, http.StatusForbidden, "forbidden")
	refused("no such request", ownerA, "no-such-request", `{"score":5}`, http.StatusNotFound, "request_not_found")

	st, rated, e := rate(ownerA, first.ID, `{"score":4,"comment":" 办理及时，材料一次说清 "}`)
	if st != http.StatusOK || rated.Rating == nil || rated.Rating.Score != 4 || rated.Rating.Comment != "办理及时，材料一次说清" ||
		rated.Rating.By == "" || rated.Rating.At.IsZero() || rated.Status != intake.StatusClosed {
		t.Fatalf("rating: %d %+v %+v", st, rated, e)
	}
	refused("a second rating", ownerA, first.ID, `{"score":1}`, http.StatusConflict, "already_rated")

	var got intake.Request
	if st := testenv.CallAs(t, ownerA, http.MethodGet, base+"/v1/requests/"+first.ID, "", nil, &got); st != http.StatusOK ||
		got.Rating == nil || *got.Rating != *rated.Rating {
		t.Errorf("GET the rated request: %d %+v, want the rating %+v", st, got.Rating, rated.Rating)
	}
	_, page, _ := list(ownerA, "")
	for _, r := range page.Items {
		switch {
		case r.ID == first.ID && (r.Rating == nil || r.Rating.Score != 4):
			t.Errorf("listed rated request without its rating: %+v", r)
		case r.ID != first.ID && r.Rating != nil:
			t.Errorf("request %s listed with a rating it was never given: %+v", r.ID, r.Rating)
		}
	}
}
