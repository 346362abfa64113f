package acceptance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ownerRatesTheVisit: the officer has closed and visited the request; its
// owner finds it under 我的诉求 and rates it (好差评) on the request's page: without a score refused
// next to it and nothing recorded, then 4 分 with a comment, after which the
// page shows the rating and no form.
func ownerRatesTheVisit(t *testing.T, s *system, portal, request string) {
	ctx := browser(t)
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740))
	signIn(t, ctx, portal, "zhineng", `#projects`)
	row := `tr[id="request-` + request + `"]`
	run(t, ctx, "my requests", chromedp.Click(chromedp.CSS(`nav a[href="/requests"]`)), chromedp.WaitVisible(chromedp.CSS(row)))
	if got := text(t, ctx, row); !strings.Contains(got, "请协助办理用地预审") || !strings.Contains(got, "已回访") || !strings.Contains(got, "去评价") {
		t.Fatalf("my requests: %q", got)
	}
	noOverflow(t, ctx, "my requests at 360 px")
	run(t, ctx, "the request", chromedp.Click(chromedp.CSS(row+` a[href$="#rate-title"]`)), chromedp.WaitVisible(chromedp.ID("rate")))
	noOverflow(t, ctx, "request page with the rating form at 360 px")
	run(t, ctx, "rate without a score", fill("f-comment", "专员主动上门服务"),
		chromedp.Click(chromedp.ID("rate-submit")), chromedp.WaitVisible(chromedp.ID("f-score-error")))
	var req struct {
		Rating *struct {
			Score   int    `json:"score"`
			Comment string `json:"comment"`
		} `json:"rating"`
	}
	owner := s.login("zhineng")
	if s.call(owner, http.MethodGet, s.url("intake")+"/v1/requests/"+request, nil, &req); req.Rating != nil {
		t.Fatalf("a refused rating was recorded: %+v", req.Rating)
	}
	run(t, ctx, "rate it", fill("f-score", "4"),
		chromedp.Click(chromedp.ID("rate-submit")), chromedp.WaitVisible(chromedp.ID("rated")))
	if got := text(t, ctx, `#my-rating`); !strings.Contains(got, "4 分") || !strings.Contains(got, "专员主动上门服务") {
		t.Fatalf("my rating: %q", got)
	}
	if n := value(t, ctx, "rating forms", chromedp.Evaluate[int](`document.querySelectorAll('#rate').length`)); n != 0 {
		t.Errorf("a rated request still offers the rating form")
	}
	screenshot(t, ctx, "owner-rating")
	run(t, ctx, "my requests again", chromedp.Navigate(portal+"/requests"), chromedp.WaitVisible(chromedp.CSS(row)))
	if got := text(t, ctx, row); !strings.Contains(got, "4 分") || strings.Contains(got, "去评价") {
		t.Errorf("my requests after rating: %q", got)
	}
	if st := s.call(owner, http.MethodGet, s.url("intake")+"/v1/requests/"+request, nil, &req); st != http.StatusOK ||
		req.Rating == nil || req.Rating.Score != 4 || req.Rating.Comment != "专员主动上门服务" {
		t.Fatalf("intake's rating: %d %+v", st, req.Rating)
	}
}
