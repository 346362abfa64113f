package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// TestProjectList: registered projects are listed by owner, stage and work
// group, a page at a time, and read one by one; bad queries change nothing
// and say what is wrong.
func TestProjectList(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=intake_list_test")
	for i, p := range []struct{ code, owner, stage, group string }{
		{"2026-370481-04-01-100001", "列表测试甲公司", "approving", "duban"},
		{"2026-370481-04-01-100002", "列表测试甲公司", "reserve", "yongdi"},
		{"2026-370481-04-01-100003", "列表测试乙公司", "approving", "duban"},
	} {
		body := strings.NewReplacer("2026-370481-04-01-000321", p.code, "示范新材料有限公司", p.owner,
			`"stage":"approving"`, `"stage":"`+p.stage+`"`, `"work_group":"duban"`, `"work_group":"`+p.group+`"`).Replace(projectBody)
		if st := post(t, testenv.AsSupervisor, base+"/v1/projects", body, nil, nil); st != http.StatusCreated {
			t.Fatalf("project %d: status %d", i, st)
		}
	}
	for _, tt := range []struct {
		query string
		total int
		codes []string
	}{
		{"owner=列表测试甲公司", 2, []string{"2026-370481-04-01-100001", "2026-370481-04-01-100002"}},
		{"owner=列表测试甲公司&stage=储备", 1, []string{"2026-370481-04-01-100002"}},
		{"work_group=duban&stage=approving", 2, []string{"2026-370481-04-01-100001", "2026-370481-04-01-100003"}},
		{"work_group=duban&limit=1&offset=1", 2, []string{"2026-370481-04-01-100003"}},
		{"owner=没有这家公司", 0, nil},
		{"officer=王芳&owner=列表测试乙公司", 1, []string{"2026-370481-04-01-100003"}},
		{"officer=lijun", 0, nil},
	} {
		var page intake.ProjectPage
		if st := testenv.CallAs(t, testenv.AsSupervisor, http.MethodGet, base+"/v1/projects?"+tt.query, "", nil, &page); st != http.StatusOK {
			t.Fatalf("%s: status %d", tt.query, st)
		}
		var codes []string
		for _, p := range page.Items {
			codes = append(codes, p.Code)
		}
		if page.Total != tt.total || strings.Join(codes, ",") != strings.Join(tt.codes, ",") {
			t.Errorf("%s: total %d, %v; want %d, %v", tt.query, page.Total, codes, tt.total, tt.codes)
		}
	}
	var p intake.Project
	if st := testenv.CallAs(t, testenv.AsSupervisor, http.MethodGet, base+"/v1/projects/2026-370481-04-01-100002", "", nil, &p); st != 200 ||
		p.Stage != "reserve" || p.WorkGroup != "yongdi" || p.RegisteredAt.IsZero() {
		t.Errorf("GET one project: %d %+v", st, p)
	}
	for _, tt := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/projects/2026-370481-04-01-999999", 404, "project_not_found"},
		{"/v1/projects?limit=0", 422, "invalid_limit"},
		{"/v1/projects?limit=ten", 422, "invalid_limit"},
		{"/v1/projects?offset=-1", 422, "invalid_offset"},
		{"/v1/projects?stage=dreaming", 422, "invalid_stage"},
		{"/v1/projects?work_group=nope", 422, "unknown_work_group"},
		{"/v1/projects?officer=nobody", 422, "unknown_officer"},
	} {
		var e httpx.ErrorBody
		if st := testenv.CallAs(t, testenv.AsSupervisor, http.MethodGet, base+tt.path, "", nil, &e); st != tt.status || e.Error.Code != tt.code {
			t.Errorf("%s: %d %+v, want %d %s", tt.path, st, e, tt.status, tt.code)
		}
	}
}
