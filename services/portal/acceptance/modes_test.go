package acceptance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// third is the project on which the clerks take the special modes.
const third = "2026-370481-04-01-700003"

// clerksTakeTheSpecialModes: a zrzy clerk accepts 用地预审 with materials
// missing (容缺受理; days out of range first, refused next to the field,
// nothing changed), an sthj clerk approves 环评 on the owner's commitment
// (告知承诺) and records the follow-up check.
func clerksTakeTheSpecialModes(t *testing.T, s *system, portal string) {
	item := s.registerProject(third, "智能装备产业园三期")
	ctx := browser(t)
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740))
	signIn(t, ctx, portal, "zrzy-clerk", `#queue`)
	run(t, ctx, "the item", chromedp.Navigate(portal+"/items/"+item), chromedp.WaitVisible(chromedp.ID("rongque")))
	noOverflow(t, ctx, "item page with the 容缺 form at 360 px")
	run(t, ctx, "容缺 with no days", fill("f-missing-materials", "不动产权籍调查报告\n地质灾害危险性评估报告"), fill("f-supplement-days", "0"),
		chromedp.Click(chromedp.ID("do-rongque")), chromedp.WaitVisible(chromedp.ID("f-supplement-days-error")))
	if got := text(t, ctx, `#f-supplement-days-error`); !strings.Contains(got, "1 至 60 个工作日") {
		t.Fatalf("days error: %q", got)
	}
	if got := text(t, ctx, `#item-status`); got != "待受理" {
		t.Fatalf("a refused 容缺 changed the item: %q", got)
	}
	if got := value(t, ctx, "materials kept", chromedp.Value(chromedp.ID("f-missing-materials"))); !strings.Contains(got, "地质灾害危险性评估报告") {
		t.Errorf("the refused form lost the materials: %q", got)
	}
	run(t, ctx, "容缺受理", fill("f-supplement-days", "5"),
		chromedp.Click(chromedp.ID("do-rongque")), chromedp.WaitVisible(chromedp.CSS(`#item-status.status-accepted`)))
	if got := text(t, ctx, `#supplement-materials`); got != "不动产权籍调查报告、地质灾害危险性评估报告" {
		t.Fatalf("materials owed: %q", got)
	}
	if got := text(t, ctx, `#supplement-due`); !strings.Contains(got, "前补齐") {
		t.Fatalf("supplement deadline: %q", got)
	}
	screenshot(t, ctx, "clerk-rongque")
	var l struct {
		Items []struct {
			ID         string `json:"id"`
			Supplement *struct {
				Materials []string `json:"materials"`
			} `json:"supplement"`
		} `json:"items"`
	}
	s.call(s.login("zrzy-clerk"), http.MethodGet, s.url("ledger")+"/v1/projects/"+third, nil, &l)
	for _, it := range l.Items {
		if it.ID == item && (it.Supplement == nil || len(it.Supplement.Materials) != 2) {
			t.Fatalf("the ledger's 容缺 of %s: %+v", item, it.Supplement)
		}
	}

	huanping := third + ".huanping"
	s.waitQueued(huanping, "sthj")
	sctx := browser(t)
	signIn(t, sctx, portal, "sthj-clerk", `#queue`)
	run(t, sctx, "accept 环评", chromedp.Navigate(portal+"/items/"+huanping), chromedp.WaitVisible(chromedp.ID("do-accept")),
		chromedp.Click(chromedp.ID("do-accept")), chromedp.WaitVisible(chromedp.ID("gaozhi")))
	run(t, sctx, "告知承诺", fill("f-commitment", "按批复落实污染防治措施"), fill("f-check-days", "20"),
		chromedp.Click(chromedp.ID("do-gaozhi")), chromedp.WaitVisible(chromedp.CSS(`#item-status.status-approved`)))
	if got := text(t, sctx, `#commitment-text`); got != "按批复落实污染防治措施" {
		t.Fatalf("commitment: %q", got)
	}
	if got := text(t, sctx, `#commitment-check`); !strings.Contains(got, "前核查") {
		t.Fatalf("check date: %q", got)
	}
	screenshot(t, sctx, "clerk-gaozhi")
	run(t, sctx, "the follow-up check", fill("f-check-result", "passed"), fill("f-note", "现场核查一致"),
		chromedp.Click(chromedp.ID("do-verify")), chromedp.WaitNotPresent(chromedp.ID("verify")))
	if got := text(t, sctx, `#commitment-check`); !strings.Contains(got, "核查通过") || !strings.Contains(got, "现场核查一致") {
		t.Fatalf("check recorded: %q", got)
	}
}
