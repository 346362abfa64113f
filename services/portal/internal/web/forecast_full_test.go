package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

const fcProject = "2026-370481-04-01-000009"

func forecastPortal(t *testing.T, forecast string) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/projects/{code}", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"code": fcProject, "name": "智能装备产业园", "version": 7, "items": []any{
			map[string]any{"id": fcProject + ".yongdi-yushen", "name": "用地预审与选址意见书", "department": "zrzy", "status": "approved"},
			map[string]any{"id": fcProject + ".yongdi-guihua", "name": "建设用地规划许可证", "department": "zrzy", "status": "accepted", "promised_days": 5},
			map[string]any{"id": fcProject + ".renfang", "name": "人防报建", "department": "rfb", "status": "waiting", "promised_days": 5},
			map[string]any{"id": fcProject + ".shigong-xuke", "name": "建筑工程施工许可证", "department": "zjj", "status": "waiting", "promised_days": 3},
			map[string]any{"id": fcProject + ".huanping", "name": "环境影响评价审批（环评）", "department": "sthj", "status": "assigned",
				"promised_days": 15, "due": "2026-12-22T16:00:00Z"}}})
	})
	mux.HandleFunc("GET /v1/projects/{code}/forecast", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(forecast, `{"error"`) {
			w.WriteHeader(http.StatusConflict)
		}
		_, _ = io.WriteString(w, forecast)
	})
	up := httptest.NewServer(mux)
	t.Cleanup(up.Close)
	h := portalOver(t, api.Endpoints{Ledger: up.URL}, nil)
	return h
}

// TestFullForecastOverHTTP: the owner's full forecast lists every item
// not yet approved with its department's handling time and its median and
// p80 dates, the critical path marked, the latest forecast done last and
// an item the permit does not wait for after it with its own time limit;
// the departments' handling times below. No permit in the ledger is said
// so in words.
func TestFullForecastOverHTTP(t *testing.T) {
	step := func(key, dept, status, start, done string, days, promised int) string {
		return `{"item":"` + fcProject + `.` + key + `","department":"` + dept + `","status":"` + status + `","start":"` + start +
			`","done":"` + done + `","days":` + strconv.Itoa(days) + `,"promised_days":` + strconv.Itoa(promised) + `,"delay_days":` + strconv.Itoa(max(days-promised, 0)) + `}`
	}
	guihua := step("yongdi-guihua", "zrzy", "accepted", "2026-11-23", "2026-12-07", 10, 5)
	renfang := step("renfang", "rfb", "waiting", "2026-12-07", "2026-12-14", 5, 5)
	permit := step("shigong-xuke", "zjj", "waiting", "2026-12-14", "2026-12-17", 3, 3)
	f := `{"project":"` + fcProject + `","permit_name":"建筑工程施工许可证","as_of":"2026-12-01","done":false,
		"median":{"date":"2026-12-17","critical_path":[` + guihua + `,` + renfang + `,` + permit + `],"items":[` + guihua + `,` + renfang + `,` + permit + `]},
		"p80":{"date":"2026-12-21","critical_path":[],"items":[` + strings.Replace(permit, `"done":"2026-12-17"`, `"done":"2026-12-21"`, 1) + `]},
		"planned_start":"2026-12-15","late":true,"late_days":2,"light":"yellow",
		"handling":[{"department":"zrzy","samples":6,"median_days":10,"p80_days":14,"measured":true},{"department":"rfb","samples":1,"median_days":4,"p80_days":4,"measured":false}]}`
	h := forecastPortal(t, f)
	owner := roleCookie("zhineng", "王经理", "", "owner")
	code, page, _ := pageAs(t, h, owner, http.MethodGet, "/projects/"+fcProject+"/forecast", nil)
	for _, want := range []string{`id="forecast-median">2026-12-17`, `id="forecast-p80">2026-12-21`, "黄灯·预计晚于计划开工 2 个工作日",
		`id="fc-` + fcProject + `.yongdi-guihua" class="mark-red critical"`, "实测中位 10 / 八成 14 个工作日（6 件）",
		"按承诺 5 个工作日（已办结 1 件，不足 5 件未实测）", `超出承诺 5 个工作日`, `data-label="稳妥估计办结">2026-12-21`,
		"不影响施工许可日期", "办理时限 2026-12-22", `id="handling-zrzy"`, `id="critical-path"`} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("forecast page %d lacks %s:\n%s", code, want, page)
		}
	}
	if strings.Contains(page, `id="fc-`+fcProject+`.yongdi-yushen"`) {
		t.Error("an approved item is listed as still to be done")
	}
	order := []string{"yongdi-guihua", "renfang", "shigong-xuke", "huanping"}
	for i := 1; i < len(order); i++ {
		if strings.Index(page, `id="fc-`+fcProject+`.`+order[i-1]) > strings.Index(page, `id="fc-`+fcProject+`.`+order[i]) {
			t.Errorf("%s is listed after %s", order[i-1], order[i])
		}
	}
	code, page, _ = pageAs(t, forecastPortal(t, `{"error":{"code":"no_forecast","message":"no construction permit"}}`), owner,
		http.MethodGet, "/projects/"+fcProject+"/forecast", nil)
	if code != http.StatusOK || !strings.Contains(page, `id="no-forecast"`) || strings.Contains(page, "construction permit") {
		t.Fatalf("no forecast: %d\n%s", code, page)
	}
}
