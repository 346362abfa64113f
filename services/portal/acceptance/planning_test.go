package acceptance

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// secretaryMovesAndCancels: on a meeting two days ahead the secretary
// adds an agenda entry through the form, moves the meeting (refused
// without a reason, next to the reason, the meeting unchanged), which the
// page shows as 已改期 with the new time and the reason, then cancels it;
// the page says 已取消 and the invitation is the cancellation.
func secretaryMovesAndCancels(t *testing.T, s *system, portal string) {
	sec := s.login("mishu")
	var m struct {
		ID string `json:"id"`
	}
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	if st := s.call(sec, http.MethodPost, s.url("coordination-meeting")+"/v1/meetings", map[string]any{
		"kind": "joint", "title": "交通问题联席会议", "starts_at": start.Format(time.RFC3339), "location": "政务服务中心三楼",
		"attendees": []string{"jtj"}}, &m); st != http.StatusCreated {
		t.Fatalf("schedule: %d", st)
	}
	ctx := browser(t)
	signIn(t, ctx, portal, "mishu", `#meetings`)
	run(t, ctx, "the meeting", chromedp.Navigate(portal+"/meetings/"+m.ID), chromedp.WaitVisible(chromedp.ID("move")))
	run(t, ctx, "add an agenda entry", fill("f-agenda-title", "道路红线调整"), fill("f-agenda-department", "jtj"),
		chromedp.Click(chromedp.ID("agenda-add-submit")), chromedp.WaitVisible(chromedp.ID("updated")))
	if got := text(t, ctx, `#agenda`); !strings.Contains(got, "道路红线调整") || !strings.Contains(got, "交通运输局") {
		t.Fatalf("agenda after the entry was added: %q", got)
	}
	beijing := time.FixedZone("CST", 8*3600)
	moved := start.Add(24 * time.Hour).In(beijing)
	run(t, ctx, "move without a reason", fill("f-starts-at", moved.Format("2006-01-02T15:04")), fill("f-location", "县政府二楼"),
		chromedp.Click(chromedp.ID("move-submit")), chromedp.WaitVisible(chromedp.ID("f-reason-error")))
	if got := text(t, ctx, `#f-reason-error`); got != "请填写改期原因。" {
		t.Fatalf("reason error: %q", got)
	}
	if got := text(t, ctx, `#meeting-status`); got != "待召开" {
		t.Fatalf("a refused move changed the meeting: %q", got)
	}
	run(t, ctx, "move", fill("f-reason", "与县政府常务会冲突"), chromedp.Click(chromedp.ID("move-submit")),
		chromedp.WaitVisible(chromedp.ID("meeting-history")))
	if got := text(t, ctx, `#meeting-status`); got != "已改期 · 待召开" {
		t.Fatalf("status after the move: %q", got)
	}
	if got := text(t, ctx, `#meeting-history`); !strings.Contains(got, moved.Format("2006-01-02 15:04")) ||
		!strings.Contains(got, "县政府二楼") || !strings.Contains(got, "与县政府常务会冲突") {
		t.Fatalf("history after the move: %q", got)
	}
	screenshot(t, ctx, "secretary-meeting-moved")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("cancel")))
	noOverflow(t, ctx, "moved meeting with its forms at 360 px")
	// The moved page shows #updated too: wait for the cancellation's entry.
	run(t, ctx, "cancel", fill("f-cancel-reason", "议题已协调解决"), chromedp.Click(chromedp.ID("cancel-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#meeting-history li:nth-child(2)`)))
	if got := text(t, ctx, `#meeting-status`); got != "已取消" {
		t.Fatalf("status after the cancellation: %q", got)
	}
	if got := text(t, ctx, `#meeting-history`); !strings.Contains(got, "取消会议") || !strings.Contains(got, "议题已协调解决") {
		t.Fatalf("history after the cancellation: %q", got)
	}
	if n := value(t, ctx, "forms left", chromedp.Evaluate[int](`document.querySelectorAll("#move, #cancel, #agenda-add").length`)); n != 0 {
		t.Errorf("a cancelled meeting still offers %d forms", n)
	}
	resp, err := s.portalClient(portal, "mishu").Get(portal + "/meetings/" + m.ID + "/invite.ics")
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, "METHOD:CANCEL") ||
		!strings.Contains(b, "STATUS:CANCELLED") || !strings.Contains(b, "UID:"+m.ID) {
		t.Fatalf("invite.ics of the cancelled meeting: %d\n%s", resp.StatusCode, b)
	}
}

// officerReadsTheMonthlyStats: 王芳 opens 月度统计 from the navigation:
// this month's figures per department (zrzy has items assigned), and the
// workbook of the same month downloads as an XLSX.
func officerReadsTheMonthlyStats(t *testing.T, s *system, portal string) {
	ctx := browser(t)
	signIn(t, ctx, portal, "wangfang", `#projects`)
	run(t, ctx, "the monthly statistics", chromedp.Click(chromedp.CSS(`nav a[href="/stats"]`)), chromedp.WaitVisible(chromedp.ID("stats-departments")))
	month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
	if got := text(t, ctx, `#stats-month`); got != month {
		t.Fatalf("stats of %q, not this month %s", got, month)
	}
	if got := text(t, ctx, `#stats-zrzy`); !strings.Contains(got, "自然资源和规划局") || !strings.Contains(got, "%") {
		t.Fatalf("zrzy's figures: %q", got)
	}
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("stats-departments")))
	noOverflow(t, ctx, "monthly statistics at 360 px")
	screenshot(t, ctx, "officer-monthly-stats")
	href := value(t, ctx, "the workbook link", chromedp.Evaluate[string](`document.getElementById("stats-xlsx").getAttribute("href")`))
	if href != "/stats/monthly.xlsx?month="+month {
		t.Fatalf("workbook link %q", href)
	}
	resp, err := s.portalClient(portal, "wangfang").Get(portal + href)
	if err != nil {
		t.Fatal(err)
	}
	b := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.HasPrefix(b, "PK\x03\x04") || !strings.Contains(b, "xl/workbook.xml") {
		t.Fatalf("monthly workbook: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
	}
}

// ownerOpensTheFullForecast: from the project page's 预计开工 the owner
// opens the full forecast: the items still to be done with their dates
// and departments' handling times, the permit on the critical path.
func ownerOpensTheFullForecast(t *testing.T, s *system, portal string) {
	ctx := browser(t)
	signIn(t, ctx, portal, "zhineng", `#projects`)
	run(t, ctx, "the project", chromedp.Navigate(portal+"/projects/2026-370481-04-01-700001"), chromedp.WaitVisible(chromedp.ID("forecast-full")))
	run(t, ctx, "the full forecast", chromedp.Click(chromedp.ID("forecast-full")), chromedp.WaitVisible(chromedp.ID("forecast-items")))
	permit := `tr[id="fc-2026-370481-04-01-700001.shigong-xuke"]`
	if got := text(t, ctx, permit); !strings.Contains(got, "建筑工程施工许可证") || !strings.Contains(got, "关键路径") ||
		!strings.Contains(got, "住房和城乡建设局") || !strings.Contains(got, "个工作日") {
		t.Fatalf("the permit's row: %q", got)
	}
	if got := text(t, ctx, `#forecast-items`); strings.Contains(got, "用地预审与选址意见书") || !strings.Contains(got, "建设用地规划许可证") {
		t.Fatalf("items still to be done: %q", got)
	}
	if got := text(t, ctx, `#forecast-light`); !strings.Contains(got, "黄灯") {
		t.Errorf("light: %q", got)
	}
	if got := text(t, ctx, `#handling`); !strings.Contains(got, "自然资源和规划局") {
		t.Errorf("handling times: %q", got)
	}
	screenshot(t, ctx, "owner-full-forecast")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("forecast-items")))
	noOverflow(t, ctx, "full forecast at 360 px")
}
