package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// TestStatsPageOverHTTP: an officer's 月度统计 of a month shows each
// department's figures (the items not decided on time derived), each
// officer's, the month picker labelled, and the workbook link, which
// passes the ledger's XLSX through; a month that is no month is said so
// and the current one shown; an owner is refused.
func TestStatsPageOverHTTP(t *testing.T) {
	var months []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/stats/monthly", func(w http.ResponseWriter, r *http.Request) {
		months = append(months, r.URL.Query().Get("month"))
		_ = json.NewEncoder(w).Encode(map[string]any{"month": r.URL.Query().Get("month"),
			"officers": []any{map[string]any{"officer": "wangfang", "requests_received": 3, "requests_closed": 2, "closed_on_time": 1,
				"on_time_rate": 0.5, "visits": 2, "satisfaction_mean": 4.5}},
			"departments": []any{map[string]any{"department": "zrzy", "items_assigned": 6, "items_completed": 4, "completed_on_time": 3,
				"on_time_rate": 0.75, "mean_handling_working_days": 7.34, "pending_now": 2}}})
	})
	mux.HandleFunc("GET /v1/stats/monthly.xlsx", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="stats-`+r.URL.Query().Get("month")+`.xlsx"`)
		_, _ = io.WriteString(w, "PK\x03\x04workbook")
	})
	up := httptest.NewServer(mux)
	t.Cleanup(up.Close)
	h := portalOver(t, api.Endpoints{Ledger: up.URL}, func() time.Time { return time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC) })
	officer := roleCookie("wangfang", "王芳", "", "officer")

	code, page, _ := pageAs(t, h, officer, http.MethodGet, "/stats?month=2026-10", nil)
	for _, want := range []string{`href="/stats" aria-current="page">月度统计`, `<label for="month">月份</label>`, `value="2026-10"`,
		`href="/stats/monthly.xlsx?month=2026-10"`, `id="stats-zrzy"`, "自然资源和规划局", "75.0%", "7.3", `<span class="tag red">1</span>`,
		"王芳", "4.5", `data-label="未按时办结"`} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("stats page %d lacks %s:\n%s", code, want, page)
		}
	}
	// The month is Beijing's: 2026-11-30 17:00 UTC is already December there.
	code, page, _ = pageAs(t, h, officer, http.MethodGet, "/stats?month=十月", nil)
	if code != http.StatusOK || !strings.Contains(page, `id="month-error" role="alert">请选择月份`) || !strings.Contains(page, `value="2026-12"`) {
		t.Fatalf("a month that is none: %d\n%s", code, page)
	}
	if want := []string{"2026-10", "2026-12"}; strings.Join(months, ",") != strings.Join(want, ",") {
		t.Errorf("months asked %v, want %v", months, want)
	}
	req := httptest.NewRequest(http.MethodGet, "/stats/monthly.xlsx?month=2026-10", nil)
	req.AddCookie(officer)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "PK\x03\x04") ||
		rec.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "stats-2026-10.xlsx") {
		t.Fatalf("workbook: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	if code, page, _ := pageAs(t, h, roleCookie("zhineng", "王经理", "", "owner"), http.MethodGet, "/stats", nil); code != http.StatusForbidden ||
		!strings.Contains(page, "推进专员、部门负责人和督导") {
		t.Fatalf("an owner's stats: %d\n%s", code, page)
	}
}
