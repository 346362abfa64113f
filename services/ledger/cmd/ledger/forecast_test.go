package main

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// TestStartDateForecast runs the forecast on real NATS and FerretDB: a new
// project is forecast on the catalog's promised days; its planned start
// before the forecast turns it yellow; once 自然资源和规划局 has taken 20
// working days on five other projects' 用地预审, its own items on the
// critical path are forecast at that pace, on the ledger's status and in
// the leaders' briefings too.
func TestStartDateForecast(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	monday := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC) // 09:00 in Beijing
	clk := clock.NewManual(monday, time.Millisecond)
	base := start(t, clk, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=ledger_forecast_test")
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	const code, owner = "2026-370481-04-01-700001", "示范新材料有限公司"
	history := make([]string, ledger.MinSamples)
	for i := range history {
		history[i] = fmt.Sprintf("2026-370481-04-01-70010%d", i)
	}
	for _, c := range append([]string{code}, history...) {
		publishRegistration(t, pub, clk, &intakev1.Project{Code: c, Name: "新材料产业园" + c[len(c)-1:], Category: "社会投资",
			Level: "市", OwnerOrganisation: owner, OwnerContact: "周经理", InvestmentWan: 30000, Stage: "approving",
			Officer: "wangfang", WorkGroup: "yongdi"})
	}
	for _, c := range append([]string{code}, history...) {
		waitFor(t, "the ledger of "+c, func() bool { return getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+c, nil) == http.StatusOK })
	}
	cal := workday.Shipped()
	chain := []string{"yongdi-yushen", "yongdi-guihua", "gongcheng-guihua", "shigongtu", "shigong-xuke"}
	forecast := func(as string) ledger.Forecast {
		t.Helper()
		var f ledger.Forecast
		if st := getJSON(t, testenv.OwnerOf(owner), base+"/v1/projects/"+code+"/forecast", &f); st != http.StatusOK {
			t.Fatalf("%s: GET forecast: %d", as, st)
		}
		return f
	}
	keys := func(r ledger.Run) []string {
		var out []string
		for _, s := range r.CriticalPath {
			out = append(out, s.Type)
		}
		return out
	}

	// No history: the promised days, 10 + 5 + 10 + 10 + 3 along 用地 → 规划 → 施工图.
	f := forecast("new")
	want := workday.Add(cal, monday, 38)
	if f.Median.Date.String() != ledger.DateOf(want).String() || !slices.Equal(keys(f.Median), chain) || f.P80.Date != f.Median.Date {
		t.Fatalf("new project: median %s via %v, p80 %s; want %s via %v", f.Median.Date, keys(f.Median), f.P80.Date, ledger.DateOf(want), chain)
	}
	if f.Light != ledger.LightGreen || f.Late || f.PlannedStart != nil || f.Done {
		t.Errorf("new project without a plan: %+v", f)
	}

	// A planned start a week before the forecast, set by the officer.
	plan := ledger.DateOf(workday.Add(cal, want, -5))
	var p ledger.Project
	getJSON(t, testenv.Officer("wangfang"), base+"/v1/projects/"+code, &p)
	var eb errorBody
	if st := send(t, testenv.Officer("wangfang"), http.MethodPost, base+"/v1/projects/"+code+"/progress",
		map[string]any{"planned_start": "明年三月", "actor": "王芳", "version": p.Version}, &eb); st != http.StatusUnprocessableEntity || eb.Error.Field != "planned_start" {
		t.Fatalf("a planned start that is no day: %d %+v", st, eb)
	}
	if st := send(t, testenv.Officer("wangfang"), http.MethodPost, base+"/v1/projects/"+code+"/progress",
		map[string]any{"planned_start": plan.String(), "actor": "王芳", "version": p.Version}, nil); st != http.StatusOK {
		t.Fatalf("set the planned start: %d", st)
	}
	f = forecast("planned")
	if f.PlannedStart == nil || *f.PlannedStart != plan || !f.Late || f.LateDays != 5 || f.Light != ledger.LightYellow {
		t.Fatalf("planned %s, forecast %s: planned %v, late %v by %d, light %s; want yellow, 5 working days late",
			plan, f.Median.Date, f.PlannedStart, f.Late, f.LateDays, f.Light)
	}

	// 自然资源和规划局 accepts five 用地预审 today and approves them 20 working days later.
	for _, c := range history {
		client{t: t, base: base, code: c}.do("yongdi-yushen", ledger.ActAccept, nil)
	}
	later := workday.Add(cal, monday, 20).Add(2 * time.Hour) // 11:00 in Beijing
	clk.Set(later)
	for _, c := range history {
		client{t: t, base: base, code: c}.do("yongdi-yushen", ledger.ActApprove, nil)
	}
	f = forecast("measured")
	var zrzy ledger.Handling
	for _, h := range f.Handling {
		if h.Department == "zrzy" {
			zrzy = h
		}
	}
	if zrzy != (ledger.Handling{Department: "zrzy", Samples: ledger.MinSamples, Median: 20, P80: 20, Measured: true}) {
		t.Fatalf("zrzy's handling %+v, want 5 samples of 20 days", zrzy)
	}
	// Its own 用地预审 has had its 20 days: done today; then 20 + 20 (zrzy) + 10 (zjj) + 3.
	d := workday.Add(cal, later, 0)
	wantDays := []int{20, 20, 20, 10, 3}
	for i, s := range f.Median.CriticalPath {
		if i > 0 {
			d = workday.Add(cal, d, wantDays[i])
		}
		wantSource := ledger.SourceCatalog
		if s.Department == "zrzy" {
			wantSource = ledger.SourceMeasured
		}
		if s.Done.String() != ledger.DateOf(d).String() || s.Days != wantDays[i] || s.Source != wantSource {
			t.Errorf("step %s: done %s in %d days (%s); want %s in %d (%s)", s.Type, s.Done, s.Days, s.Source,
				ledger.DateOf(d), wantDays[i], wantSource)
		}
	}
	if !slices.Equal(keys(f.Median), chain) || f.Median.Date.String() != ledger.DateOf(d).String() {
		t.Fatalf("measured: median %s via %v, want %s via %v", f.Median.Date, keys(f.Median), ledger.DateOf(d), chain)
	}
	if f.Median.CriticalPath[1].DelayDays != 15 {
		t.Errorf("建设用地规划许可 adds %d days beyond its 5, want 15", f.Median.CriticalPath[1].DelayDays)
	}

	// The owner's status shows the same forecast.
	var st ledger.ProjectStatus
	if code := getJSON(t, testenv.OwnerOf(owner), base+"/v1/projects/"+code+"/status", &st); code != http.StatusOK || st.Forecast == nil {
		t.Fatalf("status: %d %+v", code, st)
	}
	if st.Forecast.PermitDate != f.Median.Date || st.Forecast.PermitDateP80 != f.P80.Date || !st.Forecast.Late ||
		st.Forecast.Light != ledger.LightYellow || len(st.Forecast.CriticalPath) != len(chain) {
		t.Errorf("status forecast %+v, want the forecast's %s (p80 %s), yellow", st.Forecast, f.Median.Date, f.P80.Date)
	}

	checkLedgerForecast(t, base, code, f)

	// Who may not read it, and what is not there.
	if code := getJSON(t, testenv.OwnerOf("城市建设投资集团"), base+"/v1/projects/"+code+"/forecast", &eb); code != http.StatusForbidden || eb.Error.Code != "forbidden" {
		t.Errorf("another owner: %d %+v", code, eb)
	}
	if code := getJSON(t, testenv.AsSupervisor, base+"/v1/projects/2026-370481-04-01-799999/forecast", &eb); code != http.StatusNotFound {
		t.Errorf("an unknown project: %d %+v", code, eb)
	}

	// The leaders' briefings rank the late project and the department
	// that delays it.
	checkBriefing(t, base, code, ledger.DateOf(later).String(), ledger.DateOf(later).Format("2006-01"))
}
