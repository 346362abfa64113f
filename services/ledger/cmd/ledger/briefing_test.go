package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
	"github.com/tuijin/tuijin/services/ledger/internal/transport"
)

// checkBriefing reads the leaders' briefings of the week and the month of
// day after TestStartDateForecast's approvals: five 用地预审 approved, the
// project late on its forecast, 自然资源和规划局 first on the critical paths.
func checkBriefing(t *testing.T, base, late, day, month string) {
	t.Helper()
	var b ledger.Briefing
	if st := getJSON(t, testenv.Leader("zrzy"), base+"/v1/briefings/weekly?day="+day, &b); st != http.StatusOK {
		t.Fatalf("weekly briefing: %d", st)
	}
	if b.Kind != ledger.BriefingWeekly || b.ItemsFinished != ledger.MinSamples || len(b.LateProjects) != 1 || b.LateProjects[0].Code != late {
		t.Fatalf("weekly briefing: %s, %d finished, late %+v", b.Kind, b.ItemsFinished, b.LateProjects)
	}
	if len(b.CriticalDelays) == 0 || b.CriticalDelays[0].Department != "zrzy" || b.CriticalDelays[0].LateProjects != 1 {
		t.Errorf("critical delays %+v, want zrzy first", b.CriticalDelays)
	}
	var m ledger.Briefing
	if st := getJSON(t, testenv.AsSupervisor, base+"/v1/briefings/monthly?month="+month, &m); st != http.StatusOK ||
		m.Kind != ledger.BriefingMonthly || m.ItemsFinished != ledger.MinSamples {
		t.Fatalf("monthly briefing: %d %+v", st, m)
	}

	read := func(as auth.Principal, path, ctype string) []byte {
		t.Helper()
		resp := do(t, as, http.MethodGet, base+path, nil)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ctype {
			t.Fatalf("%s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		return body
	}
	md := string(read(testenv.AsSupervisor, "/v1/briefings/weekly.md?day="+day, transport.MarkdownContentType))
	for _, want := range []string{"# 重点项目审批服务简报（周报）", "本期办结审批事项5件。", "## 七、预计开工滞后项目（1个）",
		b.LateProjects[0].Name, "| 1 | 自然资源和规划局 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the weekly Markdown lacks %q:\n%s", want, md)
		}
	}
	xb := read(testenv.Officer("wangfang"), "/v1/briefings/monthly.xlsx?month="+month, transport.XLSXContentType)
	testenv.CheckSheetRanges(t, xb)
	x, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if rows, _ := x.GetRows(transport.BriefingLateSheet); len(rows) != 2 || rows[1][1] != late {
		t.Errorf("late sheet %v", rows)
	}

	// Refusals change nothing and say why.
	var eb errorBody
	for _, c := range []struct {
		as    auth.Principal
		path  string
		code  int
		field string
	}{
		{testenv.OwnerOf("示范新材料有限公司"), "/v1/briefings/weekly", http.StatusForbidden, ""},
		{testenv.Clerk("zrzy"), "/v1/briefings/monthly.md", http.StatusForbidden, ""},
		{testenv.AsSupervisor, "/v1/briefings/weekly?day=12-21", http.StatusUnprocessableEntity, "day"},
		{testenv.AsSupervisor, "/v1/briefings/monthly.xlsx?month=2026-13", http.StatusUnprocessableEntity, "month"},
	} {
		eb = errorBody{}
		if st := getJSON(t, c.as, base+c.path, &eb); st != c.code || eb.Error.Field != c.field || eb.Error.Message == "" {
			t.Errorf("%s: %d %+v, want %d on %q", c.path, st, eb, c.code, c.field)
		}
	}
}
