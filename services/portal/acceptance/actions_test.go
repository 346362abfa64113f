package acceptance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// departmentReportsActionDone: the minutes gave zrzy an action item; its
// clerk finds it under 会议任务 and reports it done, which the list and the
// meeting's page show; the secretary's 退回重办 without a reason is refused
// next to the note, and the confirmation goes through.
func departmentReportsActionDone(t *testing.T, s *system, portal, meeting string) {
	var m struct {
		Minutes struct {
			Decisions []struct {
				Action *struct {
					ID string `json:"id"`
				} `json:"action"`
			} `json:"decisions"`
		} `json:"minutes"`
	}
	if st := s.call(s.login("mishu"), http.MethodGet, s.url("coordination-meeting")+"/v1/meetings/"+meeting, nil, &m); st != http.StatusOK ||
		len(m.Minutes.Decisions) == 0 || m.Minutes.Decisions[0].Action == nil {
		t.Fatalf("the meeting's action item: %d %+v", st, m)
	}
	id := m.Minutes.Decisions[0].Action.ID
	card, status := `#action-`+id, `#action-status-`+id

	ctx := browser(t)
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740))
	signIn(t, ctx, portal, "zrzy-clerk", `#queue`)
	run(t, ctx, "会议任务", chromedp.Click(chromedp.CSS(`nav a[href="/actions"]`)), chromedp.WaitVisible(chromedp.CSS(card)))
	if got := text(t, ctx, card); !strings.Contains(got, "五个工作日内提出调剂方案") || !strings.Contains(got, "用地问题联席会议") {
		t.Fatalf("the action item: %q", got)
	}
	if got := text(t, ctx, status); got != "办理中" {
		t.Fatalf("status before: %q", got)
	}
	noOverflow(t, ctx, "会议任务 at 360 px")
	run(t, ctx, "report it done", chromedp.SendKeys(chromedp.ID("note-"+id), "调剂方案已报县政府"),
		chromedp.Click(chromedp.ID("done-"+id)), chromedp.WaitVisible(chromedp.ID("changed")))
	if got := text(t, ctx, status); got != "已报告办结，待确认" {
		t.Fatalf("status after done: %q", got)
	}
	if got := text(t, ctx, card); !strings.Contains(got, "调剂方案已报县政府") {
		t.Errorf("the report's note is not shown: %q", got)
	}
	screenshot(t, ctx, "clerk-meeting-actions")
	run(t, ctx, "the meeting's page", chromedp.Navigate(portal+"/meetings/"+meeting), chromedp.WaitVisible(chromedp.CSS(status)))
	if got := text(t, ctx, status); got != "已报告办结，待确认" {
		t.Fatalf("the meeting's page shows %q", got)
	}

	sctx := browser(t)
	signIn(t, sctx, portal, "mishu", `#meetings`)
	run(t, sctx, "the meeting", chromedp.Navigate(portal+"/meetings/"+meeting), chromedp.WaitVisible(chromedp.ID("reopen-"+id)))
	run(t, sctx, "reopen without a reason",
		chromedp.Click(chromedp.ID("reopen-"+id)), chromedp.WaitVisible(chromedp.ID("note-"+id+"-error")))
	if got := text(t, sctx, status); got != "已报告办结，待确认" {
		t.Fatalf("a refused reopen changed the action: %q", got)
	}
	run(t, sctx, "confirm", chromedp.Click(chromedp.ID("confirm-"+id)), chromedp.WaitVisible(chromedp.ID("changed")))
	if got := text(t, sctx, status); got != "已确认办结" {
		t.Fatalf("status after confirm: %q", got)
	}
}
