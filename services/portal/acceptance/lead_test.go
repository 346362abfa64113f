package acceptance

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tuijin/tuijin/pkg/testenv"
)

// itemsReachTheNextDepartment: a zrzy clerk accepts and approves the
// project's three zrzy items in turn; the last one's dependants land in
// the queues of 人防办 and 住建局, and the owner's page shows them owed.
func itemsReachTheNextDepartment(t *testing.T, s *system, portal string) {
	ctx := browser(t)
	signIn(t, ctx, portal, "zrzy-clerk", `#queue`)
	for _, key := range []string{"yongdi-yushen", "yongdi-guihua", "gongcheng-guihua"} {
		id := second + "." + key
		s.waitQueued(id, "zrzy")
		run(t, ctx, "accept "+key, chromedp.Navigate(portal+"/items/"+id), chromedp.WaitVisible(chromedp.ID("do-accept")),
			chromedp.Click(chromedp.ID("do-accept")), chromedp.WaitVisible(chromedp.CSS(`#item-status.status-accepted`)))
		// The accepted page shows #done too: wait for the approved one.
		run(t, ctx, "approve "+key, chromedp.SendKeys(chromedp.ID("note"), "同意"),
			chromedp.Click(chromedp.ID("do-approve")), chromedp.WaitVisible(chromedp.CSS(`#item-status.status-approved`)))
		if got := text(t, ctx, `#item-status`); got != "已办结" {
			t.Fatalf("%s after approve: %q", key, got)
		}
	}
	rctx := browser(t)
	signIn(t, rctx, portal, "rfb-clerk", `#queue`)
	row := `tr[id="row-` + second + `.renfang"]`
	if got := text(t, rctx, row); !strings.Contains(got, "人防报建") || !strings.Contains(got, "待受理") {
		t.Fatalf("人防办's queue row: %q", got)
	}
	screenshot(t, rctx, "rfb-queue")

	octx := browser(t)
	signIn(t, octx, portal, "zhineng", `#projects`)
	run(t, octx, "the owner's project", chromedp.Navigate(portal+"/projects/"+second), chromedp.WaitVisible(chromedp.ID("counts")))
	if got := text(t, octx, `#counts`); !regexp.MustCompile(`3\s*已办结`).MatchString(got) {
		t.Fatalf("owner's counts: %q", got)
	}
	if got := text(t, octx, `#owed`); !strings.Contains(got, "人防办") || !strings.Contains(got, "人防报建") {
		t.Fatalf("owner's who owes what: %q", got)
	}
}

// leaderSeesRedOnTheBoard: the deadline service runs a month ahead, so
// zrzy's open items are past their limits; the leader's board shows them
// red with their place on the ladder. The bulletin and the briefing open.
func leaderSeesRedOnTheBoard(t *testing.T, s *system, portal string) {
	leader := s.login("zrzy-leader")
	testenv.WaitFor(t, 3*time.Minute, "a red zrzy item at the clock", func() bool {
		var l struct {
			Deadlines []struct {
				Kind, State, Level string
			} `json:"deadlines"`
		}
		if s.call(leader, http.MethodGet, s.url("deadline")+"/v1/deadlines?department=zrzy", nil, &l) != http.StatusOK {
			return false
		}
		for _, d := range l.Deadlines {
			if d.Kind == "item" && d.State == "running" && d.Level != "green" && d.Level != "yellow" && d.Level != "" {
				return true
			}
		}
		return false
	})
	ctx := browser(t)
	signIn(t, ctx, portal, "zrzy-leader", `#queue`)
	run(t, ctx, "the board", chromedp.Click(chromedp.CSS(`nav a[href="/board"]`)), chromedp.WaitVisible(chromedp.ID("board-zrzy")))
	if got := text(t, ctx, `#board-zrzy`); !strings.Contains(got, "红灯") || !strings.Contains(got, "智能装备产业园") {
		t.Fatalf("zrzy on the board: %q", got)
	}
	if got := text(t, ctx, `#ladder`); !strings.Contains(got, "约谈") {
		t.Errorf("ladder: %q", got)
	}
	screenshot(t, ctx, "leader-board")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("board-zrzy")))
	noOverflow(t, ctx, "board at 360 px")
	run(t, ctx, "the bulletin", chromedp.Click(chromedp.CSS(`nav a[href="/bulletin"]`)), chromedp.WaitVisible(chromedp.ID("bulletin")))
	if got := text(t, ctx, `#bulletin`); !strings.Contains(got, "自然资源和规划局") {
		t.Errorf("bulletin: %q", got)
	}
	noOverflow(t, ctx, "bulletin at 360 px")
	run(t, ctx, "the briefing", chromedp.Click(chromedp.CSS(`nav a[href="/briefings"]`)), chromedp.WaitVisible(chromedp.ID("briefing")))
	if got := text(t, ctx, `#briefing`); !strings.Contains(got, "简报") {
		t.Errorf("briefing: %q", got)
	}
	noOverflow(t, ctx, "briefing at 360 px")
}

// secretaryRecordsMinutes: a meeting with a manual agenda entry has
// started; the secretary's minutes without the action's due date are
// refused next to that field, then recorded; the invitation downloads.
// It returns the meeting's id.
func secretaryRecordsMinutes(t *testing.T, s *system, portal string) string {
	sec := s.login("mishu")
	var m struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	start := time.Now().Add(15 * time.Second).UTC().Truncate(time.Second)
	if st := s.call(sec, http.MethodPost, s.url("coordination-meeting")+"/v1/meetings", map[string]any{
		"kind": "joint", "title": "用地问题联席会议", "starts_at": start.Format(time.RFC3339), "location": "政务服务中心三楼",
		"attendees": []string{"zrzy"}}, &m); st != http.StatusCreated {
		t.Fatalf("schedule: %d", st)
	}
	if st := s.call(sec, http.MethodPut, s.url("coordination-meeting")+"/v1/meetings/"+m.ID+"/agenda", map[string]any{
		"version": m.Version, "entries": []map[string]any{{"title": "用地指标不足", "department": "zrzy", "project_code": second}}}, nil); st != http.StatusOK {
		t.Fatalf("agenda: %d", st)
	}
	testenv.WaitFor(t, time.Minute, "the meeting's start", func() bool { return time.Now().After(start.Add(time.Second)) })
	ctx := browser(t)
	signIn(t, ctx, portal, "mishu", `#meetings`)
	run(t, ctx, "the meeting", chromedp.Navigate(portal+"/meetings/"+m.ID), chromedp.WaitVisible(chromedp.ID("minutes")))
	run(t, ctx, "minutes without the due date", fill("f-summary", "会议研究了用地问题。"),
		fill("f-decisions-0-outcome", "action"), fill("f-decisions-0-text", "限期解决"),
		fill("f-decisions-0-action-department", "zrzy"), fill("f-decisions-0-action-description", "五个工作日内提出调剂方案"),
		chromedp.Click(chromedp.ID("minutes-submit")), chromedp.WaitVisible(chromedp.ID("f-decisions-0-action-due-at-error")))
	if got := text(t, ctx, `#meeting-status`); got != "待召开" {
		t.Fatalf("refused minutes changed the meeting: %q", got)
	}
	later := time.Now().Add(10 * 24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	run(t, ctx, "record them", fill("f-decisions-0-action-due-at", later),
		chromedp.Click(chromedp.ID("minutes-submit")), chromedp.WaitVisible(chromedp.ID("done")))
	if got := text(t, ctx, `#agenda`); !strings.Contains(got, "布置任务") || !strings.Contains(got, "五个工作日内提出调剂方案") {
		t.Fatalf("decisions: %q", got)
	}
	screenshot(t, ctx, "secretary-minutes")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("agenda")))
	noOverflow(t, ctx, "meeting at 360 px")
	resp, err := s.portalClient(portal, "mishu").Get(portal + "/meetings/" + m.ID + "/invite.ics")
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, resp); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(string(b), "BEGIN:VCALENDAR") || !strings.Contains(string(b), "UID:"+m.ID) {
		t.Fatalf("invite.ics: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return m.ID
}

// waitQueued waits until item id is in dept's queue at the ledger.
func (s *system) waitQueued(id, dept string) {
	s.t.Helper()
	clerk := s.login(dept + "-clerk")
	testenv.WaitFor(s.t, 3*time.Minute, id+" in "+dept+"'s queue", func() bool {
		var q struct {
			Items []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"items"`
		}
		if s.call(clerk, http.MethodGet, s.url("ledger")+"/v1/items?department="+dept+"&status=assigned&limit=500", nil, &q) != http.StatusOK {
			return false
		}
		for _, it := range q.Items {
			if it.ID == id {
				return true
			}
		}
		return false
	})
}

// tasksOf are the ids of officer's tasks at the ledger.
func (s *system) tasksOf(officer string) []string {
	s.t.Helper()
	var l struct {
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	if st := s.call(s.login(officer), http.MethodGet, s.url("ledger")+"/v1/tasks?officer="+officer, nil, &l); st != http.StatusOK {
		s.t.Fatalf("tasks of %s: %d", officer, st)
	}
	var ids []string
	for _, tk := range l.Tasks {
		ids = append(ids, tk.ID)
	}
	return ids
}

// portalClient is an HTTP client signed in to the portal as user through
// the issuer's sign-in page, for what a browser would download.
func (s *system) portalClient(portal, user string) *http.Client {
	s.t.Helper()
	c := testenv.Browser()
	if resp := testenv.SignIn(s.t, c, portal+"/login", user, password); resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("sign-in of %s: %d", user, resp.StatusCode)
	}
	// Downloads follow redirects as a browser does.
	c.CheckRedirect = nil
	return c
}

func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
