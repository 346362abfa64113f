package transport

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

const code = "2026-370481-04-01-100001"

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	in := e.start()
	e.open(in, code)
	p := in.project(t, code)
	v := p.Version
	item := func(key string) string { return in.url + "/v1/items/" + ledger.ItemID(code, key) + "/actions" }
	ok := func(action string) map[string]any {
		return map[string]any{"action": action, "actor": "科员甲", "note": "n", "version": v}
	}
	with := func(m map[string]any, k string, val any) map[string]any { m[k] = val; return m }
	without := func(m map[string]any, k string) map[string]any { delete(m, k); return m }

	tests := []struct {
		name, method, url, ctype string
		body                     any
		status                   int
		code, field              string
	}{
		{"unknown item", "POST", item("nope"), jsonType, ok("accept"), 404, "item_not_found", ""},
		{"unknown project", "POST", in.url + "/v1/items/2026-000000-00-00-000000.lixiang/actions", jsonType, ok("accept"), 404, "item_not_found", ""},
		{"item id without key", "POST", in.url + "/v1/items/nodot/actions", jsonType, ok("accept"), 404, "item_not_found", ""},
		{"illegal transition", "POST", item("lixiang"), jsonType, ok("approve"), 409, "illegal_transition", ""},
		{"action on a waiting item", "POST", item("jieneng"), jsonType, ok("accept"), 409, "illegal_transition", ""},
		{"stale version", "POST", item("lixiang"), jsonType, with(ok("accept"), "version", v-1), 409, "stale_version", ""},
		{"future version", "POST", item("lixiang"), jsonType, with(ok("accept"), "version", v+1), 409, "stale_version", ""},
		{"容缺 not allowed", "POST", item("huanping"), jsonType,
			with(with(ok("accept"), "missing_materials", []string{"x"}), "supplement_days", 3), 409, "illegal_transition", ""},
		{"malformed json", "POST", item("lixiang"), jsonType, `{"action": "accept",`, 400, "malformed_json", ""},
		{"two objects", "POST", item("lixiang"), jsonType, `{"action":"accept"}{}`, 400, "malformed_json", ""},
		{"unknown field", "POST", item("lixiang"), jsonType, with(ok("accept"), "colour", "red"), 400, "unknown_field", "colour"},
		{"wrong type", "POST", item("lixiang"), jsonType, with(ok("accept"), "version", "7"), 400, "wrong_type", "version"},
		{"wrong content type", "POST", item("lixiang"), "text/plain", ok("accept"), 415, "unsupported_media_type", ""},
		{"no content type", "POST", item("lixiang"), "", ok("accept"), 415, "unsupported_media_type", ""},
		{"too large", "POST", item("lixiang"), jsonType, `{"note":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body_too_large", ""},
		{"missing version", "POST", item("lixiang"), jsonType, without(ok("accept"), "version"), 422, "version_required", "version"},
		{"unknown action", "POST", item("lixiang"), jsonType, ok("bless"), 422, "unknown_action", "action"},
		{"no actor", "POST", item("lixiang"), jsonType, without(ok("accept"), "actor"), 422, "actor_required", "actor"},
		{"reject without note", "POST", item("lixiang"), jsonType, without(ok("reject"), "note"), 422, "note_required", "note"},
		{"materials without days", "POST", item("yongdi-yushen"), jsonType,
			with(ok("accept"), "missing_materials", []string{"x"}), 422, "invalid_days", "supplement_days"},

		{"problem on unknown project", "POST", in.url + "/v1/projects/2026-000000-00-00-000000/problems", jsonType,
			map[string]any{"title": "t", "department": "zrzy", "actor": "a", "version": 1}, 404, "project_not_found", ""},
		{"problem for unknown department", "POST", in.url + "/v1/projects/" + code + "/problems", jsonType,
			map[string]any{"title": "t", "department": "mars", "actor": "a", "version": v}, 422, "unknown_department", "department"},
		{"problem without title", "POST", in.url + "/v1/projects/" + code + "/problems", jsonType,
			map[string]any{"department": "zrzy", "actor": "a", "version": v}, 422, "invalid_title", "title"},
		{"problem on unknown item", "POST", in.url + "/v1/projects/" + code + "/problems", jsonType,
			map[string]any{"title": "t", "department": "zrzy", "item_id": "x.y", "actor": "a", "version": v}, 422, "unknown_item", "item_id"},
		{"problem stale", "POST", in.url + "/v1/projects/" + code + "/problems", jsonType,
			map[string]any{"title": "t", "department": "zrzy", "actor": "a", "version": v - 1}, 409, "stale_version", ""},
		{"problem malformed", "POST", in.url + "/v1/projects/" + code + "/problems", jsonType, `[`, 400, "malformed_json", ""},
		{"problem bad escalation", "POST", in.url + "/v1/projects/" + code + "/problems", jsonType,
			map[string]any{"title": "t", "department": "zrzy", "actor": "a", "version": v, "escalation": "shout"}, 422, "invalid_escalation", "escalation"},
		{"unknown problem", "POST", in.url + "/v1/problems/" + code + ".p9/updates", jsonType,
			map[string]any{"measure": "m", "actor": "a", "version": v}, 404, "problem_not_found", ""},
		{"problem update without change", "POST", in.url + "/v1/problems/" + code + ".p1/updates", jsonType,
			map[string]any{"actor": "a", "version": v}, 422, "nothing_to_change", "status"},

		{"queue of unknown department", "GET", in.url + "/v1/items?department=mars", "", nil, 422, "unknown_department", "department"},
		{"queue with unknown status", "GET", in.url + "/v1/items?status=lost", "", nil, 422, "invalid_status", "status"},
		{"queue with bad sort", "GET", in.url + "/v1/items?sort=name", "", nil, 422, "invalid_sort", "sort"},
		{"queue with bad limit", "GET", in.url + "/v1/items?limit=ten", "", nil, 422, "invalid_limit", "limit"},
		{"queue with huge limit", "GET", in.url + "/v1/items?limit=100000", "", nil, 422, "invalid_limit", "limit"},
		{"queue with negative offset", "GET", in.url + "/v1/items?offset=-1", "", nil, 422, "invalid_offset", "offset"},
		{"export of unknown work group", "GET", in.url + "/v1/ledger.xlsx?work_group=nobody", "", nil, 422, "unknown_work_group", "work_group"},
		{"export of unknown department", "GET", in.url + "/v1/ledger.xlsx?department=mars", "", nil, 422, "unknown_department", "department"},
		{"unknown project", "GET", in.url + "/v1/projects/2026-000000-00-00-000000", "", nil, 404, "project_not_found", ""},

		{"unknown officer", "PUT", in.url + "/v1/projects/" + code + "/officer", jsonType,
			map[string]any{"officer": "nobody", "actor": "a", "version": v}, 422, "unknown_officer", "officer"},
		{"officer stale", "PUT", in.url + "/v1/projects/" + code + "/officer", jsonType,
			map[string]any{"officer": "wangfang", "actor": "a", "version": v - 1}, 409, "stale_version", ""},
		{"officer of unknown project", "PUT", in.url + "/v1/projects/2026-000000-00-00-000000/officer", jsonType,
			map[string]any{"officer": "wangfang", "actor": "a", "version": 1}, 404, "project_not_found", ""},
		{"officer malformed", "PUT", in.url + "/v1/projects/" + code + "/officer", jsonType, `{"officer":`, 400, "malformed_json", ""},
		{"officer without version", "PUT", in.url + "/v1/projects/" + code + "/officer", jsonType,
			map[string]any{"officer": "wangfang", "actor": "a"}, 422, "version_required", "version"},
		{"unknown task", "POST", in.url + "/v1/projects/" + code + "/tasks/req-9/actions", jsonType,
			map[string]any{"action": "take", "actor": "a", "version": v}, 404, "task_not_found", ""},
		{"unknown task action", "POST", in.url + "/v1/projects/" + code + "/tasks/req-9/actions", jsonType,
			map[string]any{"action": "dance", "actor": "a", "version": v}, 422, "unknown_action", "action"},
		{"task wrong content type", "POST", in.url + "/v1/projects/" + code + "/tasks/req-9/actions", "text/csv",
			"a,b", 415, "unsupported_media_type", ""},
		{"tasks with unknown status", "GET", in.url + "/v1/tasks?status=lost", "", nil, 422, "invalid_status", "status"},
		{"tasks of unknown officer", "GET", in.url + "/v1/tasks?officer=nobody", "", nil, 422, "unknown_officer", "officer"},
		{"progress with unknown stage", "POST", in.url + "/v1/projects/" + code + "/progress", jsonType,
			map[string]any{"stage": "dreaming", "actor": "a", "version": v}, 422, "invalid_stage", "stage"},
		{"progress stale", "POST", in.url + "/v1/projects/" + code + "/progress", jsonType,
			map[string]any{"stage": "started", "actor": "a", "version": v + 3}, 409, "stale_version", ""},
		{"progress of unknown project", "POST", in.url + "/v1/projects/2026-000000-00-00-000000/progress", jsonType,
			map[string]any{"stage": "started", "actor": "a", "version": 1}, 404, "project_not_found", ""},
		{"weekly with bad date", "GET", in.url + "/v1/snapshots/weekly?week_of=23.11.2026", "", nil, 422, "invalid_date", "week_of"},
		{"monthly without month", "GET", in.url + "/v1/stats/monthly", "", nil, 422, "invalid_month", "month"},
		{"monthly xlsx with bad month", "GET", in.url + "/v1/stats/monthly.xlsx?month=2026-13", "", nil, 422, "invalid_month", "month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.snapshot()
			var eb errorBody
			st := call(t, in.rightCaller(tt.method, tt.url), tt.method, tt.url, tt.ctype, tt.body, &eb)
			if st != tt.status || eb.Error.Code != tt.code || eb.Error.Field != tt.field || eb.Error.Message == "" {
				t.Fatalf("status %d, error %+v; want %d %s (field %q)", st, eb.Error, tt.status, tt.code, tt.field)
			}
			if after := e.snapshot(); after != before {
				t.Fatalf("a refused request changed the database or the stream")
			}
		})
	}
	if got := in.project(t, code); got.Version != v {
		t.Fatalf("version moved from %d to %d", v, got.Version)
	}
}

func TestIllegalTransitionMessageSaysWhy(t *testing.T) {
	e := newEnv(t)
	in := e.start()
	e.open(in, code)
	st, _, eb := in.act(t, ledger.ItemID(code, "lixiang"), ledger.ActResume, 1, nil)
	if st != http.StatusConflict || eb.Error.Message !=
		"cannot resume item "+ledger.ItemID(code, "lixiang")+": it is assigned; resume is allowed from suspended" {
		t.Fatalf("%d %+v", st, eb)
	}
}

func TestWorkQueuePagingAndSortByDue(t *testing.T) {
	e := newEnv(t)
	in := e.start()
	codes := []string{"2026-370481-04-01-200001", "2026-370481-04-01-200002", "2026-370481-04-01-200003"}
	for i, c := range codes {
		e.open(in, c, func(p *ledger.ProjectInfo) { p.GreenChannel = i == 2 })
		e.clock.Advance(24 * 3600e9) // one project a day
	}
	// zrzy has 用地预审 (10 days) ready in each project. Suspending the
	// first and resuming a week later pushes its due date back.
	first := ledger.ItemID(codes[0], "yongdi-yushen")
	if st, _, eb := in.act(t, first, ledger.ActSuspend, 1, nil); st != 200 {
		t.Fatalf("suspend: %d %+v", st, eb)
	}
	e.clock.Advance(7 * 24 * 3600e9)
	if st, _, eb := in.act(t, first, ledger.ActResume, 2, nil); st != 200 {
		t.Fatalf("resume: %d %+v", st, eb)
	}
	var page queueResponse
	if st := call(t, testenv.Clerk("zrzy"), "GET", in.url+"/v1/items?department=zrzy&status=assigned&sort=due&limit=2", "", nil, &page); st != 200 {
		t.Fatal(st)
	}
	// Green channel first, then by due date: the suspended one comes last.
	if page.Total != 3 || page.Count != 2 || page.Items[0].ProjectCode != codes[2] || page.Items[1].ProjectCode != codes[1] {
		t.Fatalf("first page %+v", page)
	}
	if !page.Items[0].GreenChannel || page.Items[0].ProjectVersion != 1 || page.Items[0].Due == nil {
		t.Fatalf("queue item %+v", page.Items[0])
	}
	if st := call(t, testenv.Clerk("zrzy"), "GET", in.url+"/v1/items?department=zrzy&status=assigned&sort=due&limit=2&offset=2", "", nil, &page); st != 200 {
		t.Fatal(st)
	}
	if page.Total != 3 || page.Count != 1 || page.Items[0].ProjectCode != codes[0] {
		t.Fatalf("second page %+v", page)
	}
	// By assignment: green channel first, then the oldest.
	if st := call(t, testenv.Clerk("zrzy"), "GET", in.url+"/v1/items?department=zrzy&status=assigned", "", nil, &page); st != 200 {
		t.Fatal(st)
	}
	if page.Items[0].ProjectCode != codes[2] || page.Items[1].ProjectCode != codes[0] || page.Sort != "assigned" || page.Limit != 50 {
		t.Fatalf("by assignment %+v", page)
	}
	if st := call(t, testenv.Clerk("zrzy"), "GET", in.url+"/v1/items?department=zrzy&offset=99", "", nil, &page); st != 200 || page.Count != 0 || page.Items == nil {
		t.Fatalf("beyond the end: %d %+v", st, page)
	}
}

func TestProblemsRaiseUpdateAndEvents(t *testing.T) {
	e := newEnv(t)
	in := e.start()
	e.open(in, code)
	var res ledger.ProblemResult
	st := call(t, testenv.Officer("王专员"), "POST", in.url+"/v1/projects/"+code+"/problems", jsonType, map[string]any{
		"title": "用地指标不足", "description": "需市级统筹", "department": "zrzy",
		"item_id": ledger.ItemID(code, "yongdi-yushen"), "actor": "王专员", "version": 1}, &res)
	if st != http.StatusCreated || res.Problem.ID != code+".p1" || res.Problem.Status != ledger.ProblemOpen || res.Version != 2 {
		t.Fatalf("raise: %d %+v", st, res)
	}
	st = call(t, testenv.Officer("王专员"), "POST", in.url+"/v1/problems/"+code+".p1/updates", jsonType, map[string]any{
		"measure": "提请市自然资源局调剂指标", "status": "in_progress", "escalation": "supervise", "actor": "王专员", "version": 2}, &res)
	if st != 200 || len(res.Problem.Measures) != 1 || res.Problem.Escalation != "supervise" || res.Version != 3 {
		t.Fatalf("update: %d %+v", st, res)
	}
	st = call(t, testenv.Officer("王专员"), "POST", in.url+"/v1/problems/"+code+".p1/updates", jsonType, map[string]any{
		"status": "resolved", "actor": "王专员", "version": 3}, &res)
	if st != 200 || res.Problem.ResolvedAt == nil {
		t.Fatalf("resolve: %d %+v", st, res)
	}
	if n := e.streamCount("tuijin.ledger.problem.raised.zrzy"); n != 1 {
		t.Fatalf("%d problem.raised events", n)
	}
	if n := e.streamCount("tuijin.ledger.problem.changed.zrzy"); n != 2 {
		t.Fatalf("%d problem.changed events", n)
	}
	if p := in.project(t, code); len(p.Problems) != 1 || len(p.Problems[0].History) != 3 {
		t.Fatalf("ledger problems %+v", p.Problems)
	}
}

func TestProgressAndWeeklySnapshot(t *testing.T) {
	e := newEnv(t)
	in := e.start()
	e.open(in, code)
	var res ledger.ProgressResult
	if st := call(t, testenv.Officer("王专员"), "POST", in.url+"/v1/projects/"+code+"/progress", jsonType,
		map[string]any{"stage": "started", "image_progress": "完成土方开挖", "actor": "王芳", "version": 1,
			"override_reason": "县政府专题会议同意先行开工"}, &res); st != 200 ||
		res.Stage != "started" || res.Version != 2 {
		t.Fatalf("progress: %d %+v", st, res)
	}
	if st, _, eb := in.act(t, ledger.ItemID(code, "lixiang"), ledger.ActAccept, 2, nil); st != 200 {
		t.Fatalf("%d %+v", st, eb)
	}
	if st, _, eb := in.act(t, ledger.ItemID(code, "lixiang"), ledger.ActApprove, 3, nil); st != 200 {
		t.Fatalf("%d %+v", st, eb)
	}
	var snap ledger.WeeklySnapshot
	if st := call(t, testenv.AsSupervisor, "GET", in.url+"/v1/snapshots/weekly?week_of=2026-11-25", "", nil, &snap); st != 200 || len(snap.Projects) != 1 {
		t.Fatalf("weekly: %d %+v", st, snap)
	}
	w := snap.Projects[0]
	if w.ImageProgress != "完成土方开挖" || len(w.Approved) != 1 || len(w.Assigned) != 6 {
		t.Fatalf("weekly project %+v", w)
	}
	if st := call(t, testenv.AsSupervisor, "GET", in.url+"/v1/snapshots/weekly?week_of=2026-11-25&work_group=huanbao", "", nil, &snap); st != 200 || len(snap.Projects) != 0 {
		t.Fatalf("weekly of another work group: %d %+v", st, snap)
	}
}
