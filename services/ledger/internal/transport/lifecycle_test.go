package transport

import (
	"slices"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// A 储备 project's ledger lists its items as planned and dispatches none;
// refused stage changes leave everything as it was; the move to 审批
// dispatches exactly the ready items, with their events, gauge and queues.
func TestReserveProjectDispatchesOnApproving(t *testing.T) {
	e := newEnv(t)
	in := e.start()
	const held = "2026-370481-04-01-200001"
	e.open(in, held, func(p *ledger.ProjectInfo) { p.Stage = ledger.StageReserve })
	p := in.project(t, held)
	for _, it := range p.Items {
		if it.Status != ledger.StatusPlanned || !strings.Contains(it.PlannedReason, "储备") {
			t.Fatalf("item %s of a reserve project: %s %q", it.Type, it.Status, it.PlannedReason)
		}
	}
	if n := e.streamCount(event.TypeItemAssigned + ".>"); n != 0 {
		t.Fatalf("%d item.assigned events for a reserve project", n)
	}
	var q queueResponse
	if st := call(t, testenv.Clerk("fgw"), "GET", in.url+"/v1/items?department=fgw", "", nil, &q); st != 200 || q.Total != 0 {
		t.Fatalf("fgw's queue: %d, %d items", st, q.Total)
	}
	pending := func() float64 {
		var sum float64
		for _, v := range metricValues(t, in.reg, "tuijin_ledger_pending_items") {
			sum += v
		}
		return sum
	}
	if n := pending(); n != 0 {
		t.Fatalf("pending gauge %v for planned items", n)
	}

	progress := in.url + "/v1/projects/" + held + "/progress"
	v := p.Version
	for _, bad := range []struct {
		name        string
		body        map[string]any
		status      int
		code, field string
	}{
		{"unknown stage", map[string]any{"stage": "规划中", "actor": "王芳", "version": v}, 422, "invalid_stage", "stage"},
		{"backwards", map[string]any{"stage": "谋划", "actor": "王芳", "version": v}, 409, "illegal_transition", ""},
		{"started without permit", map[string]any{"stage": "开工", "actor": "王芳", "version": v}, 409, "permit_required", ""},
		{"started with a blank override", map[string]any{"stage": "started", "override_reason": " ", "actor": "王芳", "version": v}, 409, "permit_required", ""},
		{"override without a start", map[string]any{"stage": "审批", "override_reason": "急", "actor": "王芳", "version": v}, 422, "not_applicable", "override_reason"},
		{"no actor", map[string]any{"stage": "审批", "version": v}, 422, "actor_required", "actor"},
		{"unknown field", map[string]any{"stage": "审批", "actor": "王芳", "version": v, "force": true}, 400, "unknown_field", "force"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			before := e.snapshot()
			var eb errorBody
			if st := call(t, testenv.Officer("王专员"), "POST", progress, jsonType, bad.body, &eb); st != bad.status || eb.Error.Code != bad.code ||
				eb.Error.Field != bad.field || eb.Error.Message == "" {
				t.Fatalf("%d %+v; want %d %s (field %q)", st, eb.Error, bad.status, bad.code, bad.field)
			}
			if e.snapshot() != before {
				t.Fatal("a refused stage change changed the database or the stream")
			}
		})
	}
	var eb errorBody
	if call(t, testenv.AsSupervisor, "GET", in.url+"/v1/items?status=planned", "", nil, &eb); eb.Error.Code != "not_dispatched" || eb.Error.Field != "status" {
		t.Fatalf("queue of planned items: %+v", eb.Error)
	}

	var res ledger.ProgressResult
	if st := call(t, testenv.Officer("王专员"), "POST", progress, jsonType, map[string]any{"stage": "审批", "actor": "王芳", "version": v}, &res); st != 200 ||
		res.From != ledger.StageReserve || res.Stage != ledger.StageApproving || res.Version != v+1 {
		t.Fatalf("move to approving: %d %+v", st, res)
	}
	var got []string
	for _, it := range res.Assigned {
		got = append(got, it.Type)
	}
	slices.Sort(got)
	if want := []string{"huanping", "lixiang", "shuibao", "wenwu", "yongdi-yushen"}; !slices.Equal(got, want) {
		t.Fatalf("dispatched %v, want %v", got, want)
	}
	if n := e.streamCount(event.TypeItemAssigned + ".>"); n != 5 {
		t.Fatalf("%d item.assigned events after the move, want 5", n)
	}
	if n := e.streamCount(event.TypeProjectChanged); n != 1 {
		t.Fatalf("%d project.changed events, want 1", n)
	}
	if n := pending(); n != 5 {
		t.Fatalf("pending gauge %v after the move, want 5", n)
	}
	if st := call(t, testenv.Clerk("fgw"), "GET", in.url+"/v1/items?department=fgw", "", nil, &q); st != 200 || q.Total != 2 {
		t.Fatalf("fgw's queue after the move: %d, %d items (立项 assigned, 节能 waiting)", st, q.Total)
	}
	p = in.project(t, held)
	if len(p.Progress) != 1 || p.Progress[0].From != ledger.StageReserve || len(p.Progress[0].Assigned) != 5 {
		t.Fatalf("project timeline %+v", p.Progress)
	}
	for _, it := range p.Items {
		if it.Status == ledger.StatusPlanned || it.PlannedReason != "" {
			t.Fatalf("item %s still planned after the move", it.Type)
		}
	}
}
