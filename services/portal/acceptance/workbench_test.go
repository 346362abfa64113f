package acceptance

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tuijin/tuijin/pkg/testenv"
)

// second is the project the owner registers through the portal's form.
const second = "2026-370481-04-01-700002"

// fill types v into the input or sets the select with id.
func fill(id, v string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(chromedp.ID(id), v)
}

// ownerRegistersAndRequests: the owner registers a project through the
// form (a bad code refused next to its field, nothing registered), then
// posts a service request on it (an empty title refused, nothing posted)
// and reads the one-time notice back.
func ownerRegistersAndRequests(t *testing.T, s *system, portal string) (requestID string) {
	ctx := browser(t)
	signIn(t, ctx, portal, "zhineng", `#projects`)
	run(t, ctx, "the registration form",
		chromedp.Click(chromedp.ID("new-project")), chromedp.WaitVisible(chromedp.ID("register")))
	if got := value(t, ctx, "organisation filled in", chromedp.Value(chromedp.ID("f-owner-organisation"))); got != "示范智能装备有限公司" {
		t.Errorf("owner organisation prefilled %q", got)
	}
	run(t, ctx, "fill it with a bad code",
		fill("f-code", "2026-37048"), fill("f-name", "智能装备产业园二期"), fill("f-category", "招商引资"), fill("f-level", "市"),
		fill("f-owner-contact", "王经理"), fill("f-owner-phone", "0535-1234567"), fill("f-location", "经济开发区"),
		fill("f-investment-wan", "86000"), fill("f-officer", "wangfang"), fill("f-work-group", "duban"),
		chromedp.Click(chromedp.ID("register-submit")), chromedp.WaitVisible(chromedp.ID("f-code-error")))
	if got := text(t, ctx, `#f-code-error`); !strings.Contains(got, "项目代码格式应为") {
		t.Fatalf("code error: %q", got)
	}
	if got := value(t, ctx, "name kept", chromedp.Value(chromedp.ID("f-name"))); got != "智能装备产业园二期" {
		t.Errorf("the refused form lost the name: %q", got)
	}
	owner := s.login("zhineng")
	if st := s.call(owner, http.MethodGet, s.url("intake")+"/v1/projects/2026-37048", nil, nil); st != http.StatusNotFound {
		t.Errorf("a refused registration is stored: %d", st)
	}
	screenshot(t, ctx, "owner-register-refused")
	run(t, ctx, "investment that is no number", fill("f-code", second), fill("f-investment-wan", "八万"),
		chromedp.Click(chromedp.ID("register-submit")), chromedp.WaitVisible(chromedp.ID("f-investment-wan-error")))
	run(t, ctx, "register", fill("f-investment-wan", "86000"),
		chromedp.Click(chromedp.ID("register-submit")), chromedp.WaitVisible(chromedp.ID("registered")))
	s.waitQueued(second+".yongdi-yushen", "zrzy")

	run(t, ctx, "the project page", chromedp.Navigate(portal+"/projects/"+second), chromedp.WaitVisible(chromedp.ID("new-request")))
	run(t, ctx, "a request without a title",
		chromedp.Click(chromedp.ID("new-request")), chromedp.WaitVisible(chromedp.ID("request-form")),
		fill("f-kind", "agency"), fill("f-phone", "13800138000"),
		chromedp.Click(chromedp.ID("request-submit")), chromedp.WaitVisible(chromedp.ID("f-title-error")))
	if got := text(t, ctx, `#f-title-error`); got != "请填写标题。" {
		t.Fatalf("title error: %q", got)
	}
	if n := len(s.tasksOf("wangfang")); n != 0 {
		t.Fatalf("a refused request reached the officer: %d tasks", n)
	}
	run(t, ctx, "post it",
		fill("f-title", "请协助办理用地预审"), fill("f-description", "希望尽快取得选址意见书"),
		chromedp.Click(chromedp.ID("request-submit")), chromedp.WaitVisible(chromedp.ID("sent")))
	if got := text(t, ctx, `#notice`); !strings.Contains(got, "用地预审与选址意见书") || !strings.Contains(got, "建设项目用地红线图") ||
		!strings.Contains(got, "10个工作日") {
		t.Fatalf("one-time notice: %q", got)
	}
	screenshot(t, ctx, "owner-request-notice")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("notice")))
	noOverflow(t, ctx, "request page at 360 px")
	loc := value(t, ctx, "the request's address", chromedp.Location())
	m := regexp.MustCompile(`/requests/([^?]+)`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("request page at %s", loc)
	}
	return m[1]
}

// officerWorksTheRequest: the officer takes the request through 承接, 办理
// and 办结 to the 回访, where the owner's rating is required; the owner
// then sees it visited.
func officerWorksTheRequest(t *testing.T, s *system, portal, id string) {
	testenv.WaitFor(t, 3*time.Minute, "the request among the officer's tasks", func() bool {
		for _, tk := range s.tasksOf("wangfang") {
			if tk == id {
				return true
			}
		}
		return false
	})
	ctx := browser(t)
	signIn(t, ctx, portal, "wangfang", `#projects`)
	row := `tr[id="task-` + id + `"]`
	run(t, ctx, "my tasks", chromedp.Click(chromedp.CSS(`nav a[href="/tasks"]`)), chromedp.WaitVisible(chromedp.CSS(row)))
	run(t, ctx, "open it", chromedp.Click(chromedp.CSS(row+` a`)), chromedp.WaitVisible(chromedp.ID("do-take")))
	// Each step's page shows #done: wait for the status the step leads to.
	for _, st := range [][2]string{{"take", "taken"}, {"handle", "handling"}, {"close", "closed"}} {
		run(t, ctx, st[0], chromedp.Click(chromedp.ID("do-"+st[0])), chromedp.WaitVisible(chromedp.CSS(`#task-status.task-`+st[1])))
	}
	if got := text(t, ctx, `#notice`); !strings.Contains(got, "用地预审与选址意见书") {
		t.Errorf("the notice recorded at 承接: %q", got)
	}
	run(t, ctx, "visit without a rating", chromedp.Click(chromedp.ID("do-visit")), chromedp.WaitVisible(chromedp.ID("f-satisfaction-error")))
	if got := text(t, ctx, `#task-status`); got != "已办结" {
		t.Fatalf("a refused visit changed the task: %q", got)
	}
	run(t, ctx, "visit", fill("f-satisfaction", "5"), fill("f-comment", "专员服务周到"),
		chromedp.Click(chromedp.ID("do-visit")), chromedp.WaitVisible(chromedp.CSS(`#task-status.task-visited`)))
	if got := text(t, ctx, `#task-status`); got != "已回访" {
		t.Fatalf("task after the visit: %q", got)
	}
	screenshot(t, ctx, "officer-task-visited")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("task-history")))
	noOverflow(t, ctx, "task page at 360 px")

	owner := s.login("zhineng")
	testenv.WaitFor(t, 3*time.Minute, "intake following the visit", func() bool {
		var r struct {
			Status string `json:"status"`
		}
		return s.call(owner, http.MethodGet, s.url("intake")+"/v1/requests/"+id, nil, &r) == http.StatusOK && r.Status == "visited"
	})
	octx := browser(t)
	signIn(t, octx, portal, "zhineng", `#projects`)
	run(t, octx, "the owner's request page", chromedp.Navigate(portal+"/requests/"+id), chromedp.WaitVisible(chromedp.ID("request-steps")))
	if got := text(t, octx, `#request-status`); got != "已回访" {
		t.Errorf("owner sees the request as %q", got)
	}
	if got := text(t, octx, `#request-steps`); !strings.Contains(got, "已回访") || !strings.Contains(got, "已承接") {
		t.Errorf("owner's steps: %q", got)
	}
}

// officerRaisesAProblem: the officer's ledger page takes a problem (a
// missing department refused next to its field) and a measure.
func officerRaisesAProblem(t *testing.T, s *system, portal string) {
	ctx := browser(t)
	signIn(t, ctx, portal, "wangfang", `#projects`)
	run(t, ctx, "the ledger page", chromedp.Navigate(portal+"/projects/"+second), chromedp.WaitVisible(chromedp.ID("raise")))
	run(t, ctx, "a problem without a department", fill("f-title", "用地指标不足"),
		chromedp.Click(chromedp.ID("raise-submit")), chromedp.WaitVisible(chromedp.ID("f-department-error")))
	run(t, ctx, "raise it", fill("f-department", "zrzy"), fill("f-escalation", "urge"),
		chromedp.Click(chromedp.ID("raise-submit")), chromedp.WaitVisible(chromedp.ID("done")))
	if got := text(t, ctx, `#problem-list`); !strings.Contains(got, "用地指标不足") || !strings.Contains(got, "催办") ||
		!strings.Contains(got, "自然资源和规划局") {
		t.Fatalf("problem ledger: %q", got)
	}
	run(t, ctx, "a measure", chromedp.SendKeys(chromedp.CSS(`#problem-list form.measure textarea`), "提请市局调剂指标"),
		// The page shows #done from the raise already: wait for the measure itself.
		chromedp.Submit(chromedp.CSS(`#problem-list form.measure`)), chromedp.WaitVisible(chromedp.CSS(`#problem-list ol.timeline li`)))
	if got := text(t, ctx, `#problem-list`); !strings.Contains(got, "提请市局调剂指标") {
		t.Fatalf("the measure is not on the problem: %q", got)
	}
	c := s.portalClient(portal, "wangfang")
	resp, err := c.Get(portal + "/exports/ledger.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	b := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(b, "PK") {
		t.Fatalf("ledger export: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
	}
}

// officerImportsTheList: a list with a bad row is refused row by row and
// imports nothing; the corrected list is imported.
func officerImportsTheList(t *testing.T, s *system, portal string) {
	dir := t.TempDir()
	header := "项目代码,项目名称,项目类别,项目级别,建设单位,联系人,联系电话,建设地点,总投资（万元）,项目阶段,专员,专班,绿色通道\n"
	good := "2026-370481-04-01-700010,新能源电池项目,招商引资,市,示范智能装备有限公司,王经理,0535-1234567,高新区,50000,储备,王芳,duban,否\n"
	bad := filepath.Join(dir, "bad.csv")
	fine := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(bad, []byte(header+good+"2026-370481-04-01-700011,冷链物流园,招商引资,市,示范智能装备有限公司,王经理,12345,港区,30000,储备,王芳,duban,否\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fine, []byte(header+good), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	signIn(t, ctx, portal, "wangfang", `#projects`)
	run(t, ctx, "upload a list with a bad phone",
		chromedp.Click(chromedp.ID("import-projects")), chromedp.WaitVisible(chromedp.ID("import")),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{bad}),
		chromedp.Click(chromedp.ID("import-submit")), chromedp.WaitVisible(chromedp.ID("import-rows")))
	if got := text(t, ctx, `#import-rows`); !strings.Contains(got, "第 3 行") || !strings.Contains(got, "联系电话") {
		t.Fatalf("row report: %q", got)
	}
	if st := s.call(s.login("wangfang"), http.MethodGet, s.url("intake")+"/v1/projects/2026-370481-04-01-700010", nil, nil); st != http.StatusNotFound {
		t.Fatalf("a refused list imported its good row: %d", st)
	}
	screenshot(t, ctx, "officer-import-refused")
	run(t, ctx, "upload the corrected list", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{fine}),
		chromedp.Click(chromedp.ID("import-submit")), chromedp.WaitVisible(chromedp.ID("import-done")))
	if got := text(t, ctx, `#import-result`); !strings.Contains(got, "2026-370481-04-01-700010") || !strings.Contains(got, "新登记") {
		t.Fatalf("import result: %q", got)
	}
}
