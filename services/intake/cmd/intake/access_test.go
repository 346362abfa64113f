package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// The callers of the access tests: one per role, and the out-of-scope
// variants (another organisation's owner, another project's officer,
// another department's clerk and leader). nobody sends no token.
var (
	ownerA   = testenv.OwnerOf("示范新材料有限公司") // owns the project of projectBody
	ownerB   = testenv.OwnerOf("城市建设投资集团")
	officerA = testenv.Officer("wangfang") // projectBody names 王芳
	officerB = testenv.Officer("lijun")
	callers  = []struct {
		name string
		p    *auth.Principal
	}{
		{"owner", &ownerA}, {"owner of another organisation", &ownerB},
		{"officer", &officerA}, {"another officer", &officerB},
		{"clerk", ptr(testenv.Clerk("zrzy"))}, {"clerk of another department", ptr(testenv.Clerk("fgw"))},
		{"leader", ptr(testenv.Leader("zrzy"))}, {"leader of another department", ptr(testenv.Leader("fgw"))},
		{"supervisor", ptr(testenv.AsSupervisor)}, {"secretary", ptr(testenv.AsSecretary)},
		{"operations", ptr(testenv.AsOperations)}, {"no token", nil},
	}
)

func ptr(p auth.Principal) *auth.Principal { return &p }

// TestAccess walks every route with every caller (pkg/auth/ACCESS.md):
// an allowed call succeeds, a call outside the role or the scope is 403
// forbidden, one without a token 401 unauthenticated.
func TestAccess(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=intake_access_test")
	const code = "2026-370481-04-01-000321"
	// Another organisation's project, with another officer, so that the
	// lists below have something to leave out.
	other := strings.NewReplacer(code, "2026-370481-04-01-000654", "示范新材料有限公司", "城市建设投资集团",
		`"officer":"王芳"`, `"officer":"李军"`).Replace(projectBody)
	for _, body := range []string{projectBody, other} {
		if st := post(t, testenv.AsSupervisor, base+"/v1/projects", body, nil, nil); st != http.StatusCreated {
			t.Fatalf("register: %d", st)
		}
	}
	var req intake.Request
	if st := post(t, ownerA, base+"/v1/requests", requestBody, nil, &req); st != http.StatusCreated {
		t.Fatalf("request: %d", st)
	}
	importFile := "项目代码,项目名称,项目类别,项目级别,建设单位,联系人,总投资（万元）,专员\n" +
		"2026-370481-04-01-000987,导入测试项目,城市建设,县,示范新材料有限公司,赵工,9000,王芳\n"

	const ok, no, anon = http.StatusOK, http.StatusForbidden, http.StatusUnauthorized
	routes := []struct {
		method, path, contentType, body string
		// want by caller name; ok is any 2xx
		want map[string]int
	}{
		{"POST", "/v1/projects", "application/json", projectBody, map[string]int{
			"owner": ok, "owner of another organisation": no, "officer": ok, "another officer": ok,
			"clerk": no, "clerk of another department": no, "leader": no, "leader of another department": no,
			"supervisor": ok, "secretary": no, "operations": no, "no token": anon}},
		{"POST", "/v1/projects:import", "text/csv", importFile, map[string]int{
			"owner": no, "owner of another organisation": no, "officer": ok, "another officer": ok,
			"clerk": no, "clerk of another department": no, "leader": no, "leader of another department": no,
			"supervisor": ok, "secretary": no, "operations": no, "no token": anon}},
		{"POST", "/v1/requests", "application/json", requestBody, map[string]int{
			"owner": ok, "owner of another organisation": no, "officer": ok, "another officer": no,
			"clerk": no, "clerk of another department": no, "leader": no, "leader of another department": no,
			"supervisor": no, "secretary": no, "operations": no, "no token": anon}},
		{"GET", "/v1/requests/" + req.ID, "", "", map[string]int{
			"owner": ok, "owner of another organisation": no, "officer": ok, "another officer": no,
			"clerk": no, "clerk of another department": no, "leader": no, "leader of another department": no,
			"supervisor": ok, "secretary": no, "operations": no, "no token": anon}},
		{"GET", "/v1/requests", "", "", map[string]int{
			"owner": ok, "owner of another organisation": ok, "officer": ok, "another officer": ok,
			"clerk": no, "clerk of another department": no, "leader": no, "leader of another department": no,
			"supervisor": ok, "secretary": no, "operations": no, "no token": anon}},
		{"GET", "/v1/requests?project=" + code, "", "", map[string]int{
			"owner": ok, "owner of another organisation": no, "officer": ok, "another officer": no,
			"clerk": no, "clerk of another department": no, "leader": no, "leader of another department": no,
			"supervisor": ok, "secretary": no, "operations": no, "no token": anon}},
		{"GET", "/v1/projects", "", "", map[string]int{
			"owner": ok, "owner of another organisation": ok, "officer": ok, "another officer": ok,
			"clerk": ok, "clerk of another department": ok, "leader": ok, "leader of another department": ok,
			"supervisor": ok, "secretary": ok, "operations": no, "no token": anon}},
		{"GET", "/v1/projects/" + code, "", "", map[string]int{
			"owner": ok, "owner of another organisation": no, "officer": ok, "another officer": no,
			"clerk": ok, "clerk of another department": ok, "leader": ok, "leader of another department": ok,
			"supervisor": ok, "secretary": ok, "operations": no, "no token": anon}},
		// Every service's audit trail (pkg/audit).
		{"GET", "/v1/audit?project=" + code, "", "", map[string]int{
			"owner": no, "owner of another organisation": no, "officer": no, "another officer": no,
			"clerk": no, "clerk of another department": no, "leader": no, "leader of another department": no,
			"supervisor": ok, "secretary": no, "operations": ok, "no token": anon}},
	}
	for _, rt := range routes {
		for _, c := range callers {
			want, found := rt.want[c.name]
			if !found {
				t.Fatalf("%s %s: no expectation for %s", rt.method, rt.path, c.name)
			}
			var body httpx.ErrorBody
			var st int
			if c.p == nil {
				st = testenv.CallJSON(t, rt.method, base+rt.path, rt.contentType, strings.NewReader(rt.body), &body)
			} else {
				st = testenv.CallAs(t, *c.p, rt.method, base+rt.path, rt.contentType, strings.NewReader(rt.body), &body)
			}
			switch {
			case want == ok && (st < 200 || st > 299):
				t.Errorf("%s %s as %s: %d %+v, want 2xx", rt.method, rt.path, c.name, st, body)
			case want == no && (st != no || body.Error.Code != "forbidden" || body.Error.Message == ""):
				t.Errorf("%s %s as %s: %d %+v, want 403 forbidden", rt.method, rt.path, c.name, st, body)
			case want == anon && (st != anon || body.Error.Code != "unauthenticated"):
				t.Errorf("%s %s as %s: %d %+v, want 401 unauthenticated", rt.method, rt.path, c.name, st, body)
			}
		}
	}
	// An import is refused before its file is read: a clerk's broken file
	// is 403, not a complaint about the file.
	var e httpx.ErrorBody
	if st := testenv.CallAs(t, testenv.Clerk("zrzy"), "POST", base+"/v1/projects:import", "text/csv",
		strings.NewReader("\"unterminated\n"), &e); st != no || e.Error.Code != "forbidden" {
		t.Errorf("a clerk's broken import: %d %+v, want 403", st, e)
	}
}

// TestListScope: an owner lists only their organisation's projects and an
// officer only theirs, whatever the query asks; a filter naming someone
// else's is refused.
func TestListScope(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=intake_scope_test")
	for _, p := range []struct{ code, owner, officer string }{
		{"2026-370481-04-01-300001", "示范新材料有限公司", "王芳"},
		{"2026-370481-04-01-300002", "示范新材料有限公司", "李军"},
		{"2026-370481-04-01-300003", "城市建设投资集团", "王芳"},
	} {
		body := strings.NewReplacer("2026-370481-04-01-000321", p.code, "示范新材料有限公司", p.owner,
			`"officer":"王芳"`, `"officer":"`+p.officer+`"`).Replace(projectBody)
		if st := post(t, testenv.AsSupervisor, base+"/v1/projects", body, nil, nil); st != http.StatusCreated {
			t.Fatalf("register %s: %d", p.code, st)
		}
	}
	// An officer's token names them as the organisation file does (王芳)
	// or by code (wangfang): both are the officer wangfang.
	wangByName := auth.Principal{Subject: "wangfang", Name: "王芳", Roles: []auth.Role{auth.Officer}}
	for _, tt := range []struct {
		who   string
		p     auth.Principal
		query string
		codes string
	}{
		{"owner", ownerA, "", "2026-370481-04-01-300001,2026-370481-04-01-300002"},
		{"owner naming themselves", ownerA, "owner=示范新材料有限公司&officer=李军", "2026-370481-04-01-300002"},
		{"other owner", ownerB, "", "2026-370481-04-01-300003"},
		{"officer", officerA, "", "2026-370481-04-01-300001,2026-370481-04-01-300003"},
		{"officer by name", wangByName, "owner=城市建设投资集团", "2026-370481-04-01-300003"},
		{"other officer", officerB, "", "2026-370481-04-01-300002"},
		{"supervisor", testenv.AsSupervisor, "officer=wangfang", "2026-370481-04-01-300001,2026-370481-04-01-300003"},
	} {
		var page intake.ProjectPage
		if st := testenv.CallAs(t, tt.p, http.MethodGet, base+"/v1/projects?"+tt.query, "", nil, &page); st != http.StatusOK {
			t.Fatalf("%s: %d", tt.who, st)
		}
		var codes []string
		for _, p := range page.Items {
			codes = append(codes, p.Code)
		}
		if got := strings.Join(codes, ","); got != tt.codes || page.Total != len(codes) {
			t.Errorf("%s lists %s (total %d), want %s", tt.who, got, page.Total, tt.codes)
		}
	}
	for _, tt := range []struct {
		who, path string
		p         auth.Principal
	}{
		{"owner asking for another's", "/v1/projects?owner=城市建设投资集团", ownerA},
		{"officer asking for another's", "/v1/projects?officer=李军", officerA},
		{"officer by name reading another's project", "/v1/projects/2026-370481-04-01-300002", wangByName},
	} {
		var e httpx.ErrorBody
		if st := testenv.CallAs(t, tt.p, http.MethodGet, base+tt.path, "", nil, &e); st != http.StatusForbidden || e.Error.Code != "forbidden" {
			t.Errorf("%s: %d %+v, want 403", tt.who, st, e)
		}
	}
	var p intake.Project
	if st := testenv.CallAs(t, wangByName, http.MethodGet, base+"/v1/projects/2026-370481-04-01-300001", "", nil, &p); st != http.StatusOK {
		t.Errorf("officer by name reading their project: %d", st)
	}
}

// TestIdempotencyKeyIsTheCallers: the same Idempotency-Key from two callers
// is two requests; from the same caller, a retry.
func TestIdempotencyKeyIsTheCallers(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=intake_key_test")
	if st := post(t, testenv.AsSupervisor, base+"/v1/projects", projectBody, nil, nil); st != http.StatusCreated {
		t.Fatalf("register: %d", st)
	}
	key := map[string]string{"Idempotency-Key": "same-key"}
	var first, other, retry intake.Request
	if st := post(t, ownerA, base+"/v1/requests", requestBody, key, &first); st != http.StatusCreated {
		t.Fatalf("owner: %d", st)
	}
	if st := post(t, officerA, base+"/v1/requests", requestBody, key, &other); st != http.StatusCreated || other.ID == first.ID {
		t.Fatalf("officer with the owner's key: %d %s, want 201 and a request of its own (not %s)", st, other.ID, first.ID)
	}
	if st := post(t, ownerA, base+"/v1/requests", requestBody, key, &retry); st != http.StatusOK || retry.ID != first.ID {
		t.Fatalf("owner's retry: %d %s, want 200 and %s", st, retry.ID, first.ID)
	}

	// Imports too: another officer's import under the same key is no replay.
	file := "项目代码,项目名称,项目类别,项目级别,建设单位,联系人,总投资（万元）\n" +
		"2026-370481-04-01-000988,导入测试项目,城市建设,县,城投集团,赵工,9000\n"
	send := func(p auth.Principal) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/v1/projects:import", strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Idempotency-Key", "same-key")
		req.Header.Set("Authorization", "Bearer "+testenv.Token(t, p))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Idempotent-Replayed")
	}
	for _, tt := range []struct {
		p        auth.Principal
		replayed string
	}{{officerA, ""}, {officerB, ""}, {officerA, "true"}} {
		if st, replayed := send(tt.p); st != http.StatusOK || replayed != tt.replayed {
			t.Errorf("import as %s: %d replayed %q, want 200 replayed %q", tt.p.Name, st, replayed, tt.replayed)
		}
	}
}
