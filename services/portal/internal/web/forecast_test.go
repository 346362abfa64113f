package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/services/portal/internal/api"
)

func TestForecastLight(t *testing.T) {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{org: o}
	for name, tc := range map[string]struct {
		f            api.Forecast
		class, words string
	}{
		"late":                  {api.Forecast{PlannedStart: "2027-01-04", Late: true, LateDays: 12, Light: "yellow"}, "yellow", "黄灯·预计晚于计划开工 12 个工作日"},
		"on plan":               {api.Forecast{PlannedStart: "2027-06-01", Light: "green"}, "green", "按计划·预计不晚于计划开工"},
		"no planned start":      {api.Forecast{Light: "green"}, "", ""},
		"the permit is granted": {api.Forecast{PlannedStart: "2027-01-04", Done: true, Late: true, Light: "yellow"}, "", ""},
	} {
		v := s.forecastOf(&tc.f)
		if v.LightClass != tc.class || v.LightWords != tc.words {
			t.Errorf("%s: %q %q, want %q %q", name, v.LightClass, v.LightWords, tc.class, tc.words)
		}
	}
	if s.forecastOf(nil) != nil {
		t.Error("a ledger without a forecast shows one")
	}
}

// TestForecastOnTheProjectPage: the project page shows the forecast's
// days, the light and the critical path with department names.
func TestForecastOnTheProjectPage(t *testing.T) {
	l := &ledgerOf{forecast: map[string]any{"permit_date": "2027-02-22", "permit_date_p80": "2027-03-08",
		"planned_start": "2027-01-04", "late": true, "late_days": 35, "light": "yellow",
		"critical_path": []any{
			map[string]any{"item": "x.yongdi-yushen", "name": "用地预审与选址意见书", "department": "zrzy", "status": "assigned",
				"start": "2026-12-03", "done": "2026-12-17", "days": 10, "promised_days": 10, "delay_days": 0},
			map[string]any{"item": "x.shigong-xuke", "name": "建筑工程施工许可证", "department": "zjj", "status": "waiting",
				"start": "2027-02-17", "done": "2027-02-22", "days": 5, "promised_days": 3, "delay_days": 2}}}}
	code, page := clerkPage(t, itemPortal(t, l), http.MethodGet, "/projects/2026-370481-04-01-000001", nil)
	for _, want := range []string{`id="forecast"`, `id="forecast-median">2027-02-22`, `id="forecast-p80">2027-03-08`,
		`id="forecast-planned">2027-01-04`, `<span class="tag yellow">黄灯·预计晚于计划开工 35 个工作日</span>`,
		"用地预审与选址意见书", "自然资源和规划局", "住房和城乡建设局", "超出承诺 2 个工作日"} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("project page %d lacks %s:\n%s", code, want, page)
		}
	}
}
