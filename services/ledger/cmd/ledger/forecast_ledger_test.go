package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/xuri/excelize/v2"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
	"github.com/tuijin/tuijin/services/ledger/internal/transport"
)

// checkLedgerForecast: the project's ledger (GET /v1/projects/{code})
// and the ledger export's 开工预测 sheet show the forecast f.
func checkLedgerForecast(t *testing.T, base, code string, f ledger.Forecast) {
	t.Helper()
	var l ledger.ProjectLedger
	if st := getJSON(t, testenv.Officer("wangfang"), base+"/v1/projects/"+code, &l); st != http.StatusOK || l.Forecast == nil {
		t.Fatalf("ledger: %d, forecast %+v", st, l.Forecast)
	}
	if l.Code != code || l.Forecast.PermitDate != f.Median.Date || l.Forecast.PermitDateP80 != f.P80.Date ||
		l.Forecast.Light != ledger.LightYellow || len(l.Forecast.CriticalPath) != len(f.Median.CriticalPath) {
		t.Errorf("ledger forecast %+v, want the forecast's %s (p80 %s), yellow", l.Forecast, f.Median.Date, f.P80.Date)
	}
	resp := do(t, testenv.Leader("zrzy"), http.MethodGet, base+"/v1/ledger.xlsx?work_group=yongdi", nil)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ledger.xlsx: %d %s", resp.StatusCode, b)
	}
	testenv.CheckSheetRanges(t, b)
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(transport.ForecastSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != strings.Join(transport.ForecastHeaders, ",") {
		t.Fatalf("forecast sheet %v", rows)
	}
	var row []string
	for _, r := range rows[1:] {
		if len(r) > 1 && r[1] == code {
			row = r
		}
	}
	if len(row) < 9 || row[2] != f.PlannedStart.String() || row[3] != f.Median.Date.String() || row[5] != "黄灯：预计晚于计划开工" ||
		!strings.HasPrefix(row[7], "用地预审与选址意见书 → ") || !strings.Contains(row[8], "自然资源和规划局 ") {
		t.Errorf("forecast row of %s: %q", code, row)
	}
	cell, _ := excelize.CoordinatesToCellName(4, 2)
	if typ, _ := x.GetCellType(transport.ForecastSheet, cell); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("the forecast day is text (%v), want a date cell", typ)
	}
}

// TestPlannedStartAtRegistration: a registration naming a planned start
// opens a ledger whose forecast is held against it from the first day; a
// registration whose planned start is no day is dead-lettered and opens
// nothing.
func TestPlannedStartAtRegistration(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	clk := clock.NewManual(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), time.Millisecond)
	base := start(t, clk, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=ledger_planned_start_test")
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	reg := func(code, plan string) {
		publishRegistration(t, pub, clk, &intakev1.Project{Code: code, Name: "计划开工项目", Category: "社会投资", Level: "市",
			OwnerOrganisation: "示范新材料有限公司", OwnerContact: "周经理", InvestmentWan: 1000, Stage: "approving",
			Officer: "wangfang", WorkGroup: "yongdi", PlannedStart: plan})
	}
	const bad, good = "2026-370481-04-01-710001", "2026-370481-04-01-710002"
	reg(bad, "2026-02-30")
	reg(good, "2026-12-01")
	waitFor(t, "the bad registration dead-lettered", func() bool {
		return sumOf(scrape(t, base), `tuijin_bus_messages_handled_total{consumer="ledger-project-registered",outcome="dead_letter"}`) == 1
	})
	waitFor(t, "the ledger of "+good, func() bool { return getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+good, nil) == http.StatusOK })
	if st := getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+bad, nil); st != http.StatusNotFound {
		t.Fatalf("the registration with planned start 2026-02-30 opened a ledger: %d", st)
	}
	var l ledger.ProjectLedger
	getJSON(t, testenv.AsSupervisor, base+"/v1/projects/"+good, &l)
	if l.PlannedStart == nil || l.PlannedStart.String() != "2026-12-01" || l.Forecast == nil ||
		l.Forecast.PlannedStart == nil || !l.Forecast.Late || l.Forecast.Light != ledger.LightYellow {
		t.Fatalf("planned start %v, forecast %+v; want 2026-12-01 and yellow (the permit needs weeks)", l.PlannedStart, l.Forecast)
	}
}
