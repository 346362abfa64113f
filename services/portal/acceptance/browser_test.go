package acceptance

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tuijin/tuijin/pkg/testenv"
)

// browser starts a headless Chromium for the test and returns its context.
// Every step waits on what the page shows (chromedp waits on selectors);
// the deadline only fails a hung run.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("TUIJIN_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		// Not skipped: a browser test that does not run proves nothing.
		t.Fatalf("no Chromium at %s: apt-get install -y chromium (as .ci/run does), or set TUIJIN_CHROMIUM: %v", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs an action that reads something off the page.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// signIn signs in as a person would: the portal sends the browser to the
// issuer's sign-in page, where the user fills in the form, and the issuer
// sends it back to the portal's page waitFor is on.
func signIn(t *testing.T, ctx context.Context, portal, user, waitFor string) {
	t.Helper()
	run(t, ctx, "sign in as "+user,
		chromedp.Navigate(portal+"/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.CSS(waitFor)),
	)
}

// screenshot saves the viewport as name.png in TUIJIN_SCREENSHOT_DIR (or
// the system's temp folder) for the README and for a failed run.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("TUIJIN_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "tuijin-portal-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// noOverflow checks that the page is no wider than the viewport.
func noOverflow(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	widths := value(t, ctx, "measure "+what, chromedp.Evaluate[[]int](
		`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	if len(widths) != 2 || widths[0] > widths[1] {
		t.Errorf("%s overflows horizontally: scroll width %v > client width", what, widths)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(value(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// TestPortal runs one system for the portal's browser tests.
func TestPortal(t *testing.T) {
	s := newSystem(t)
	portal := s.url("portal")
	first := s.registerProject("2026-370481-04-01-700001", "智能装备产业园一期")
	t.Run("a tampered state on the callback is refused", func(t *testing.T) { tamperedStateIsRefused(t, s, portal) })

	t.Run("clerk accepts an item from the queue", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, portal, "zrzy-clerk", `#queue`)
		if got := text(t, ctx, `#who`); !strings.Contains(got, "自然资源和规划局") {
			t.Errorf("header names %q, not the clerk's department", got)
		}
		row := `tr[id="row-` + first + `"]`
		if got := text(t, ctx, row); !strings.Contains(got, "用地预审与选址意见书") || !strings.Contains(got, "待受理") {
			t.Fatalf("queue row: %q", got)
		}
		// The default view is the work pending at the department: items still
		// waiting for their prerequisites are behind a filter of their own.
		if got := text(t, ctx, `#queue`); strings.Contains(got, "建设用地规划许可证") || strings.Contains(got, "等待前置事项") {
			t.Errorf("the pending queue lists waiting items: %q", got)
		}
		screenshot(t, ctx, "clerk-queue")
		run(t, ctx, "open the item",
			chromedp.Click(chromedp.CSS(row+` a`)),
			chromedp.WaitVisible(chromedp.ID("do-accept")),
		)
		run(t, ctx, "accept it",
			chromedp.SendKeys(chromedp.ID("note"), "材料齐全，予以受理"),
			chromedp.Click(chromedp.ID("do-accept")),
			chromedp.WaitVisible(chromedp.ID("done")),
		)
		if got := text(t, ctx, `#item-status`); got != "已受理" {
			t.Fatalf("status after accept: %q", got)
		}
		if got := text(t, ctx, `#timeline`); !strings.Contains(got, "受理") || !strings.Contains(got, "材料齐全，予以受理") ||
			!strings.Contains(got, "自然资源和规划局经办人") {
			t.Fatalf("timeline does not show the acceptance: %q", got)
		}
		screenshot(t, ctx, "clerk-item-accepted")
		run(t, ctx, "back to the queue",
			chromedp.Navigate(portal+"/queue"), chromedp.WaitVisible(chromedp.CSS(row)))
		if got := text(t, ctx, row); !strings.Contains(got, "已受理") {
			t.Fatalf("queue row after accept: %q", got)
		}
	})

	t.Run("refusals are shown in words next to the form", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, portal, "zrzy-clerk", `#queue`)
		run(t, ctx, "open the item",
			chromedp.Navigate(portal+"/items/"+first), chromedp.WaitVisible(chromedp.ID("do-reject")))
		// 不予许可 without a reason: the ledger refuses, the page says why
		// next to the note and nothing changes.
		run(t, ctx, "reject without a note",
			chromedp.Click(chromedp.ID("do-reject")), chromedp.WaitVisible(chromedp.ID("note-error")))
		if got := text(t, ctx, `#note-error`); !strings.Contains(got, "「不予许可」需要填写说明") {
			t.Fatalf("note error: %q", got)
		}
		if got := text(t, ctx, `#item-status`); got != "已受理" {
			t.Fatalf("status after a refused action: %q", got)
		}
		// Someone else acts meanwhile: this page's version is stale.
		clerk := s.login("zrzy-clerk")
		var l struct {
			Version int64 `json:"version"`
		}
		s.call(clerk, http.MethodGet, s.url("ledger")+"/v1/projects/2026-370481-04-01-700001", nil, &l)
		if st := s.call(clerk, http.MethodPost, s.url("ledger")+"/v1/items/"+first+"/actions",
			map[string]any{"action": "suspend", "note": "等待规划调整", "actor": "另一位经办人", "version": l.Version}, nil); st != http.StatusOK {
			t.Fatalf("suspend through the API: %d", st)
		}
		run(t, ctx, "approve on the stale page",
			chromedp.Click(chromedp.ID("do-approve")), chromedp.WaitVisible(chromedp.ID("problem")))
		if got := text(t, ctx, `#problem`); !strings.Contains(got, "刚被他人更新过") {
			t.Fatalf("stale version message: %q", got)
		}
		if got := text(t, ctx, `#item-status`); got != "已中止" {
			t.Fatalf("page after the stale refusal shows %q, not the item as it is now", got)
		}
		run(t, ctx, "resume", chromedp.Click(chromedp.ID("do-resume")), chromedp.WaitVisible(chromedp.ID("done")))
		if got := text(t, ctx, `#item-status`); got != "已受理" {
			t.Fatalf("status after resume: %q", got)
		}
	})

	t.Run("approving assigns the dependent item to the queue", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, portal, "zrzy-clerk", `#queue`)
		run(t, ctx, "approve",
			chromedp.Navigate(portal+"/items/"+first), chromedp.WaitVisible(chromedp.ID("do-approve")),
			chromedp.SendKeys(chromedp.ID("note"), "同意出具用地预审与选址意见书"),
			chromedp.Click(chromedp.ID("do-approve")), chromedp.WaitVisible(chromedp.ID("done")))
		if got := text(t, ctx, `#item-status`); got != "已办结" {
			t.Fatalf("status after approve: %q", got)
		}
		// 建设用地规划许可证 waited for 用地预审: the same write assigned it.
		next := `tr[id="row-2026-370481-04-01-700001.yongdi-guihua"]`
		run(t, ctx, "the queue", chromedp.Navigate(portal+"/queue"), chromedp.WaitVisible(chromedp.CSS(next)))
		if got := text(t, ctx, next); !strings.Contains(got, "建设用地规划许可证") || !strings.Contains(got, "待受理") {
			t.Fatalf("dependent item row: %q", got)
		}
	})

	t.Run("department inbox", func(t *testing.T) {
		clerk := s.login("zrzy-clerk")
		type message struct {
			ID   string `json:"id"`
			Read bool   `json:"read"`
		}
		type inbox struct {
			Unread int       `json:"unread"`
			Items  []message `json:"items"`
		}
		read := func() (inbox, bool) {
			var in inbox
			return in, s.call(clerk, http.MethodGet, s.url("notification")+"/v1/inbox?recipient=dept:zrzy&limit=50", nil, &in) == http.StatusOK
		}
		// Messages keep coming while the shifted clock's steps fire: wait
		// until the count has held for 2 s, so that the count after one is
		// marked read differs from the one before by that mark alone.
		last, since := -1, time.Now()
		testenv.WaitFor(t, 3*time.Minute, "zrzy's messages, their count settled", func() bool {
			in, ok := read()
			if !ok || in.Unread == 0 {
				return false
			}
			if in.Unread != last {
				last, since = in.Unread, time.Now()
			}
			return time.Since(since) >= 2*time.Second
		})
		ctx := browser(t)
		signIn(t, ctx, portal, "zrzy-clerk", `#queue`)
		run(t, ctx, "inbox", chromedp.Click(chromedp.CSS(`nav a[href="/inbox"]`)), chromedp.WaitVisible(chromedp.ID("inbox")))
		if got := text(t, ctx, `#inbox`); !strings.Contains(got, "新办理事项：智能装备产业园一期") {
			t.Fatalf("inbox: %q", got)
		}
		before := text(t, ctx, `#unread`)
		form := value(t, ctx, "the first message's form", chromedp.AttributeValue(chromedp.CSS(`#inbox form`), "action"))
		action, found := form.Value, form.Exists
		run(t, ctx, "mark one read",
			chromedp.Click(chromedp.CSS(`#inbox form button`)), chromedp.WaitVisible(chromedp.ID("read-done")))
		if after := text(t, ctx, `#unread`); after == before {
			t.Fatalf("unread count stays %s after marking one read", after)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(action, "/inbox/"), "/read")
		in, ok := read()
		if !ok {
			t.Fatal("zrzy's inbox unreadable after marking one read")
		}
		if i := slices.IndexFunc(in.Items, func(m message) bool { return m.ID == id }); !found || i < 0 || !in.Items[i].Read {
			t.Errorf("the message marked read (form %q) is not read in the inbox", action)
		}
	})

	t.Run("the queue fits a 360 px phone, in large type too", func(t *testing.T) {
		ctx := browser(t)
		run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740))
		signIn(t, ctx, portal, "zrzy-clerk", `#queue`)
		noOverflow(t, ctx, "queue at 360 px")
		screenshot(t, ctx, "clerk-queue-360")
		run(t, ctx, "large type", chromedp.Click(chromedp.ID("display-toggle")), chromedp.WaitVisible(chromedp.CSS(`html.large #queue`)))
		noOverflow(t, ctx, "queue at 360 px in large type")
		run(t, ctx, "item page", chromedp.Navigate(portal+"/items/"+first), chromedp.WaitVisible(chromedp.ID("timeline")))
		noOverflow(t, ctx, "item page at 360 px in large type")
		screenshot(t, ctx, "clerk-item-360-large")
		run(t, ctx, "inbox", chromedp.Navigate(portal+"/inbox"), chromedp.WaitVisible(chromedp.ID("unread")))
		noOverflow(t, ctx, "inbox at 360 px in large type")
	})

	t.Run("owner follows their project", func(t *testing.T) {
		ctx := browser(t)
		signIn(t, ctx, portal, "zhineng", `#projects`)
		if got := text(t, ctx, `#projects`); !strings.Contains(got, "智能装备产业园一期") || !strings.Contains(got, "2026-370481-04-01-700001") {
			t.Fatalf("my projects: %q", got)
		}
		run(t, ctx, "open the project",
			chromedp.Click(chromedp.CSS(`#projects a`)), chromedp.WaitVisible(chromedp.ID("counts")))
		if got := text(t, ctx, `#project-name`); got != "智能装备产业园一期" {
			t.Fatalf("project page of %q", got)
		}
		if got := text(t, ctx, `#counts`); !regexp.MustCompile(`1\s*已办结`).MatchString(got) || !strings.Contains(got, "办理中") || !strings.Contains(got, "等待前置事项") {
			t.Fatalf("counts: %q", got)
		}
		// 用地预审 is approved; the item it held back is zrzy's to do now.
		if got := text(t, ctx, `#owed`); !strings.Contains(got, "自然资源和规划局") || !strings.Contains(got, "建设用地规划许可证") ||
			strings.Contains(got, "用地预审与选址意见书") {
			t.Fatalf("who owes what: %q", got)
		}
		// The start-date forecast: the permit's days, late against the
		// planned start, and the chain of items that sets them.
		if got := text(t, ctx, `#forecast`); !strings.Contains(got, "预计取得施工许可") || !strings.Contains(got, "2026-12-31") {
			t.Fatalf("forecast: %q", got)
		}
		if got := text(t, ctx, `#forecast-light`); !strings.Contains(got, "黄灯") {
			t.Errorf("forecast light: %q", got)
		}
		if got := text(t, ctx, `#critical-path`); !strings.Contains(got, "建筑工程施工许可证") || !strings.Contains(got, "自然资源和规划局") {
			t.Errorf("critical path: %q", got)
		}
		screenshot(t, ctx, "owner-project")
		run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("counts")))
		noOverflow(t, ctx, "project page at 360 px")
	})

	var request string
	t.Run("owner registers a project and posts a request", func(t *testing.T) {
		request = ownerRegistersAndRequests(t, s, portal)
	})
	t.Run("officer takes the request to the follow-up visit", func(t *testing.T) {
		if request == "" {
			t.Fatal("no request was posted")
		}
		officerWorksTheRequest(t, s, portal, request)
	})
	t.Run("owner rates the follow-up visit", func(t *testing.T) {
		if request == "" {
			t.Fatal("no request was posted")
		}
		ownerRatesTheVisit(t, s, portal, request)
	})
	t.Run("officer raises a problem and exports the ledger", func(t *testing.T) { officerRaisesAProblem(t, s, portal) })
	t.Run("officer imports the annual list", func(t *testing.T) { officerImportsTheList(t, s, portal) })
	t.Run("approvals reach the next department's queue", func(t *testing.T) { itemsReachTheNextDepartment(t, s, portal) })
	t.Run("leader sees a red item on the board", func(t *testing.T) { leaderSeesRedOnTheBoard(t, s, portal) })
	var meeting string
	t.Run("secretary records the minutes", func(t *testing.T) { meeting = secretaryRecordsMinutes(t, s, portal) })
	t.Run("department reports the meeting's action done", func(t *testing.T) {
		if meeting == "" {
			t.Fatal("no minutes were recorded")
		}
		departmentReportsActionDone(t, s, portal, meeting)
	})
	t.Run("clerks take 容缺受理 and 告知承诺", func(t *testing.T) { clerksTakeTheSpecialModes(t, s, portal) })
	t.Run("secretary moves and cancels a meeting", func(t *testing.T) { secretaryMovesAndCancels(t, s, portal) })
	t.Run("officer reads the monthly statistics", func(t *testing.T) { officerReadsTheMonthlyStats(t, s, portal) })
	t.Run("owner opens the full forecast", func(t *testing.T) { ownerOpensTheFullForecast(t, s, portal) })

	t.Run("a token the services refuse sends the user to sign in", func(t *testing.T) {
		// A well-formed token no service accepts (signed by no known key).
		payload := base64.RawURLEncoding.EncodeToString([]byte(
			`{"sub":"zrzy-clerk","name":"冒名","roles":["clerk"],"department":"zrzy","exp":4102444800}`))
		forged := "eyJhbGciOiJFZERTQSJ9." + payload + ".c2lnbmF0dXJl"
		req, _ := http.NewRequest(http.MethodGet, portal+"/queue", nil)
		req.AddCookie(&http.Cookie{Name: "tuijin_session", Value: forged})
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fqueue" {
			t.Fatalf("forged token: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		cleared := false
		for _, c := range resp.Cookies() {
			cleared = cleared || (c.Name == "tuijin_session" && c.MaxAge < 0)
		}
		if !cleared {
			t.Fatalf("session cookie not cleared: %v", resp.Cookies())
		}
	})
}
