package main

import (
	"context"
	"encoding/json"

	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/xuri/excelize/v2"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// start runs the ledger as main does, on clock clk, until the test ends.
func start(t *testing.T, clk *clock.Manual, args ...string) string {
	cfg := newConfig()
	return testenv.ServiceAt(t, clk, "ledger", cfg, setup(cfg), args...)
}

type errorBody = httpx.ErrorBody

// client is a department's system acting on the ledger: it reads the
// current version and retries when another department wrote in between.
type client struct {
	t    *testing.T
	base string
	code string
}

func (c client) do(key string, a ledger.Action, extra map[string]any) ledger.ActionResult {
	for attempt := 0; attempt < 50; attempt++ {
		// The department's clerk reads the ledger and acts on its item.
		clerk := clerkOf(c.t, key)
		var p ledger.Project
		if st := getJSON(c.t, clerk, c.base+"/v1/projects/"+c.code, &p); st != http.StatusOK {
			c.t.Errorf("GET project: %d", st)
			return ledger.ActionResult{}
		}
		body := map[string]any{"action": a, "actor": "科员", "note": "依法审查", "version": p.Version}
		for k, v := range extra {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		resp := do(c.t, clerk, http.MethodPost, c.base+"/v1/items/"+ledger.ItemID(c.code, key)+"/actions", b)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			var res ledger.ActionResult
			if err := json.Unmarshal(raw, &res); err != nil {
				c.t.Error(err)
			}
			return res
		}
		var eb errorBody
		_ = json.Unmarshal(raw, &eb)
		if resp.StatusCode != http.StatusConflict || eb.Error.Code != "stale_version" {
			c.t.Errorf("%s %s: %d %s", a, key, resp.StatusCode, raw)
			return ledger.ActionResult{}
		}
	}
	c.t.Errorf("%s %s: still stale after 50 attempts", a, key)
	return ledger.ActionResult{}
}

func (c client) assigned(res ledger.ActionResult) []string {
	var keys []string
	for _, it := range res.Assigned {
		keys = append(keys, it.Type)
	}
	slices.Sort(keys)
	return keys
}

// TestProjectThroughAllItems runs the whole service on real NATS and
// FerretDB: a registration opens the ledger, two departments work in
// parallel (one with a 容缺 supplement), an item is rejected and
// resubmitted, and the project ends with every item approved. The events on
// the stream must tell exactly the story the ledger's timeline tells.
func TestProjectThroughAllItems(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	clk := clock.NewManual(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), time.Millisecond)
	base := start(t, clk, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--outbox-interval=200ms")
	ctx := context.Background()
	const code = "2026-370481-04-01-400001"

	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	env, err := event.New(event.TypeProjectRegistered, "intake", event.Ref("project", code), clk.Now(),
		&intakev1.ProjectRegistered{RegisteredAt: timestamppb.New(clk.Now()), Project: &intakev1.Project{
			Code: code, Name: "城北智慧物流园", Category: "社会投资", Level: "市", OwnerOrganisation: "城北物流有限公司",
			OwnerContact: "李经理", InvestmentWan: 52000, Stage: "approving", Officer: "王专员", WorkGroup: "yongdi",
			GreenChannel: true,
		}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a redelivered registration changes nothing
		if err := pub.PublishEvent(ctx, event.TypeProjectRegistered, env); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+code, nil) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the ledger was not opened within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := client{t: t, base: base, code: code}

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // 自然资源和规划局
		defer wg.Done()
		c.do("yongdi-yushen", ledger.ActAccept, map[string]any{"missing_materials": []string{"不动产权籍调查报告"}, "supplement_days": 5})
		c.do("yongdi-yushen", ledger.ActSupplementReceived, nil)
		if got := c.assigned(c.do("yongdi-yushen", ledger.ActApprove, nil)); !slices.Equal(got, []string{"yongdi-guihua"}) {
			t.Errorf("approving 用地预审 assigned %v", got)
		}
		c.do("yongdi-guihua", ledger.ActAccept, nil)
		c.do("yongdi-guihua", ledger.ActReject, map[string]any{"note": "用地红线与规划条件不符"})
		var p ledger.Project
		getJSON(t, testenv.Clerk("zrzy"), base+"/v1/projects/"+code, &p)
		for _, key := range []string{"gongcheng-guihua", "renfang", "shigongtu", "shigong-xuke"} {
			if it, _ := p.Item(ledger.ItemID(code, key)); !slices.Equal(it.BlockedBy, []string{"yongdi-guihua"}) {
				t.Errorf("%s blocked by %v after the rejection", key, it.BlockedBy)
			}
		}
		c.do("yongdi-guihua", ledger.ActResubmit, map[string]any{"actor": "城北物流有限公司", "note": "调整红线后重新申报"})
		c.do("yongdi-guihua", ledger.ActAccept, nil)
		if got := c.assigned(c.do("yongdi-guihua", ledger.ActApprove, nil)); !slices.Equal(got, []string{"gongcheng-guihua"}) {
			t.Errorf("approving the resubmitted 建设用地规划许可 assigned %v", got)
		}
		c.do("gongcheng-guihua", ledger.ActAccept, nil)
		c.do("gongcheng-guihua", ledger.ActRequestSupplement, map[string]any{"note": "补正总平面图"})
		c.do("gongcheng-guihua", ledger.ActSupplementReceived, nil)
		if got := c.assigned(c.do("gongcheng-guihua", ledger.ActApprove, nil)); !slices.Equal(got, []string{"renfang", "shigongtu"}) {
			t.Errorf("approving 建设工程规划许可 assigned %v", got)
		}
	}()
	go func() { // 发改、环保、文旅、水利
		defer wg.Done()
		c.do("lixiang", ledger.ActAccept, nil)
		if got := c.assigned(c.do("lixiang", ledger.ActApprove, nil)); !slices.Equal(got, []string{"jieneng"}) {
			t.Errorf("approving 立项 assigned %v", got)
		}
		c.do("huanping", ledger.ActAccept, nil)
		c.do("huanping", ledger.ActApprove, map[string]any{"commitment": "按批复落实污染防治措施", "check_days": 20})
		c.do("huanping", ledger.ActVerify, map[string]any{"check_result": "passed", "note": "现场核查与承诺一致"})
		for _, key := range []string{"jieneng", "wenwu", "shuibao"} {
			c.do(key, ledger.ActAccept, nil)
			c.do(key, ledger.ActApprove, nil)
		}
	}()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, key := range []string{"renfang", "shigongtu"} {
		c.do(key, ledger.ActAccept, nil)
	}
	c.do("renfang", ledger.ActApprove, nil)
	if got := c.assigned(c.do("shigongtu", ledger.ActApprove, nil)); !slices.Equal(got, []string{"shigong-xuke"}) {
		t.Fatalf("the last prerequisite of 施工许可 assigned %v", got)
	}
	c.do("shigong-xuke", ledger.ActAccept, nil)
	c.do("shigong-xuke", ledger.ActApprove, nil)

	var p ledger.Project
	getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+code, &p)
	for _, it := range p.Items {
		if it.Status != ledger.StatusApproved {
			t.Errorf("%s ended %s", it.Type, it.Status)
		}
	}

	// The stream tells the same story as the timelines.
	assignedEv, changedEv := readLedgerEvents(t, js)
	if len(assignedEv) != len(p.Items) {
		t.Fatalf("%d item.assigned events, want one per item (%d)", len(assignedEv), len(p.Items))
	}
	seen := map[string]bool{}
	for _, a := range assignedEv {
		if seen[a.GetItemId()] || !a.GetGreenChannel() || a.GetOfficer() != "王专员" {
			t.Errorf("item.assigned %v (duplicate %v)", a, seen[a.GetItemId()])
		}
		seen[a.GetItemId()] = true
	}
	for _, it := range p.Items {
		var want, got []string
		for _, e := range it.Timeline {
			if e.Action != "planned" && e.Action != "assign" {
				want = append(want, e.Action+":"+string(e.From)+">"+string(e.Status)+":"+e.Actor)
			}
		}
		for _, ev := range changedEv {
			if ev.GetItemId() == it.ID {
				got = append(got, ev.GetAction()+":"+ev.GetFromStatus()+">"+ev.GetToStatus()+":"+ev.GetActor())
				if ev.GetDepartment() != it.Department || !ev.GetGreenChannel() {
					t.Errorf("item.changed of %s: %v", it.Type, ev)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: item.changed events %v\ntimeline %v", it.Type, got, want)
		}
	}
	for _, ev := range changedEv {
		switch {
		case ev.GetItemType() == "yongdi-yushen" && ev.GetAction() == "accept":
			if ev.GetMode() != "rongque" || ev.GetSupplementDue() == nil || !slices.Equal(ev.GetMissingMaterials(), []string{"不动产权籍调查报告"}) {
				t.Errorf("容缺 accept event %v", ev)
			}
		case ev.GetItemType() == "huanping" && ev.GetAction() == "approve":
			if ev.GetMode() != "gaozhi" || ev.GetCheckDue() == nil {
				t.Errorf("告知承诺 approve event %v", ev)
			}
		}
	}

	metrics := scrape(t, base)
	for k, v := range metrics {
		if strings.HasPrefix(k, "tuijin_ledger_pending_items{") && v != 0 {
			t.Errorf("%s = %v after every item was approved", k, v)
		}
	}
	if got := sumOf(metrics, "tuijin_ledger_assignments_total{"); got != 11 {
		t.Errorf("assignments_total = %v, want 11", got)
	}
	if got := sumOf(metrics, "tuijin_ledger_completions_total{"); got != 12 {
		t.Errorf("completions_total = %v, want 11 approvals and 1 rejection", got)
	}

	t.Run("an officer takes a service request through to the follow-up visit", func(t *testing.T) {
		// 王芳 signs in as the demo account does: by her name, which the
		// organisation gives the officer code the project records.
		wangfang := auth.Principal{Subject: "wangfang", Name: "王芳", Roles: []auth.Role{auth.Officer}}
		getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+code, &p)
		var or ledger.OfficerResult
		if st := send(t, testenv.AsSupervisor, http.MethodPut, base+"/v1/projects/"+code+"/officer",
			map[string]any{"officer": "wangfang", "actor": "服务中心主任", "note": "一项目一专员", "version": p.Version}, &or); st != 200 || or.Officer != "wangfang" {
			t.Fatalf("assign officer: %d %+v", st, or)
		}
		req, err := event.New(event.TypeRequestReceived, "intake", event.Ref("request", "req-1"), clk.Now(),
			&intakev1.RequestReceived{RequestId: "req-1", ProjectCode: code, Kind: "agency", Title: "代办竣工验收备案",
				Contact: "李经理", ReceivedAt: timestamppb.New(clk.Now())})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.PublishEvent(ctx, event.TypeRequestReceived, req); err != nil {
			t.Fatal(err)
		}
		var tasks struct {
			Count int               `json:"count"`
			Tasks []ledger.TaskView `json:"tasks"`
		}
		deadline := time.Now().Add(30 * time.Second)
		for tasks.Count == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the request did not become a task within 30s")
			}
			time.Sleep(20 * time.Millisecond)
			getJSON(t, wangfang, base+"/v1/tasks?officer=wangfang", &tasks)
		}
		if tk := tasks.Tasks[0]; tk.ID != "req-1" || tk.Status != ledger.TaskReceived || tk.ProjectCode != code {
			t.Fatalf("task %+v", tk)
		}
		version := tasks.Tasks[0].ProjectVersion
		for _, a := range []map[string]any{
			{"action": "take"}, {"action": "handle", "note": "已协调住建局"}, {"action": "close"},
			{"action": "visit", "satisfaction": 5, "comment": "办事效率高"},
		} {
			a["actor"], a["version"] = "王芳", version
			var res ledger.TaskResult
			if st := send(t, wangfang, http.MethodPost, base+"/v1/projects/"+code+"/tasks/req-1/actions", a, &res); st != 200 {
				t.Fatalf("%v: %d", a["action"], st)
			}
			if a["action"] == "take" && len(res.Task.Notice) != 0 {
				t.Errorf("every item is approved, yet the notice lists %v", res.Task.Notice)
			}
			version = res.Version
		}
		var stats ledger.MonthlyStats
		if st := getJSON(t, testenv.Leader("zrzy"), base+"/v1/stats/monthly?month=2026-11", &stats); st != 200 {
			t.Fatalf("monthly: %d", st)
		}
		if len(stats.Officers) != 1 || stats.Officers[0].Closed != 1 || stats.Officers[0].SatisfactionMean != 5 {
			t.Fatalf("officer statistics %+v", stats.Officers)
		}
		resp := do(t, testenv.AsSupervisor, http.MethodGet, base+"/v1/stats/monthly.xlsx?month=2026-11", nil)
		defer resp.Body.Close()
		x, err := excelize.OpenReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("专员统计")
		if err != nil || len(rows) != 2 || rows[1][1] != "王芳" || rows[1][5] != "100.0%" {
			t.Fatalf("officer sheet %v, %v", rows, err)
		}
		rows, err = x.GetRows("部门统计")
		if err != nil || len(rows) != 1+7 {
			t.Fatalf("department sheet has %d rows, %v; want a header and the 7 departments with items", len(rows), err)
		}
	})
}
