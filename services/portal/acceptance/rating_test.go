package acceptance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ownerRatesTheVisit: the officer has closed and visited the request; its
// owner rates it (好差评) on the request's page: without a score refused
// next to it and nothing recorded, then 4 分 with a comment, after which the
// page shows the rating and no form.
func ownerRatesTheVisit(t *testing.T, s *system, portal, request string) {
	ctx := browser(t)
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740))
	signIn(t, ctx, portal, "zhineng", `#projects`)
	run(t, ctx, "the request", chromedp.Navigate(portal+"/requests/"+request), chromedp.WaitVisible(chromedp.ID("rate")))
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
	if st := s.call(owner, http.MethodGet, s.url("intake")+"/v1/requests/"+request, nil, &req); st != http.StatusOK ||
		req.Rating == nil || req.Rating.Score != 4 || req.Rating.Comment != "专员主动上门服务" {
		t.Fatalf("intake's rating: %d %+v", st, req.Rating)
	}
}
