package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// nextBriefingDue is the next Monday 08:30 in Beijing at least two days
// after now: when the ledger's weekly briefing falls due.
func nextBriefingDue(now time.Time) time.Time {
	bj := time.FixedZone("CST", 8*3600)
	d := now.In(bj).AddDate(0, 0, 2)
	d = time.Date(d.Year(), d.Month(), d.Day(), 8, 30, 0, 0, bj)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// clockAt is the TUIJIN_CLOCK_OFFSET that shows at now as the time at.
func clockAt(at time.Time) string {
	return "TUIJIN_CLOCK_OFFSET=" + time.Until(at).Round(time.Second).String()
}

type forecastView struct {
	PlannedStart string `json:"planned_start"`
	Forecast     *struct {
		PermitDate   string `json:"permit_date"`
		PlannedStart string `json:"planned_start"`
		Late         bool   `json:"late"`
		Light        string `json:"light"`
		CriticalPath []struct {
			Item string `json:"item"`
			Name string `json:"name"`
		} `json:"critical_path"`
	} `json:"forecast"`
}

// TestPlannedStartAndLeaderBriefing: an owner registers a project with a
// planned start (计划开工) through intake, a clerk imports another from a
// sheet; a malformed day is refused with the field named and registers
// nothing. The ledger holds the forecast against the plan from the first
// day: its project page shows the forecast yellow with its critical path,
// and ledger.xlsx lists it in 开工预测. The ledger is down over the Monday
// morning its weekly briefing falls due; back up, it publishes the briefing
// once, and every department's leader and the supervisors find it in their
// inboxes with the late project and the links to the full briefing.
func TestPlannedStartAndLeaderBriefing(t *testing.T) {
	s := newSystem(t)
	due := nextBriefingDue(time.Now())
	briefingEnv := []string{"TUIJIN_BRIEFING_INTERVAL=200ms", "TUIJIN_BRIEFING_URL=http://ledger.example"}
	// The ledger first runs on the Sunday before.
	s.envFor["ledger"] = append([]string{clockAt(due.Add(-24 * time.Hour))}, briefingEnv...)
	s.start(services...)

	code, imported := projectCode(801), projectCode(802)
	planned := due.AddDate(0, 0, 7).Format(time.DateOnly) // long before the permit can come
	registered := func() int { return s.streamCount("TUIJIN_EVENTS", event.TypeProjectRegistered) }
	var e apiError
	bad := project(code)
	bad["planned_start"] = "2027-02-30"
	if resp := s.postJSON(owner, s.url("intake")+"/v1/projects", bad, nil, &e); resp.StatusCode != http.StatusUnprocessableEntity ||
		e.Error.Field != "planned_start" || e.Error.Code != "invalid_date" {
		t.Fatalf("planned start 2027-02-30: %d %+v, want 422 invalid_date on planned_start", resp.StatusCode, e)
	}
	header := append(append([]string{}, importHeader...), "计划开工")
	badRow := append(importRow(1, imported), "明年三月")
	e = apiError{}
	if resp := s.do(supervisor, http.MethodPost, s.url("intake")+"/v1/projects:import", "text/csv", csvOf(header, badRow), nil, &e); resp.StatusCode != http.StatusUnprocessableEntity ||
		e.Error.Field != "planned_start" || !strings.Contains(e.Error.Message, "row 2") {
		t.Fatalf("import with planned start 明年三月: %d %+v", resp.StatusCode, e)
	}
	if n := registered(); n != 0 || s.count("tuijin_intake", "projects") != 0 {
		t.Fatalf("refused registrations left %d events, %d projects", n, s.count("tuijin_intake", "projects"))
	}

	good := project(code)
	good["planned_start"] = planned
	if resp := s.postJSON(owner, s.url("intake")+"/v1/projects", good, nil, nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	goodRow := append(importRow(1, imported), strings.ReplaceAll(planned, "-", "/"))
	if resp := s.do(supervisor, http.MethodPost, s.url("intake")+"/v1/projects:import", "text/csv", csvOf(header, goodRow), nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d", resp.StatusCode)
	}
	for _, c := range []string{code, imported} {
		var v forecastView
		eventually(t, 30*time.Second, "the ledger of "+c, func() bool {
			return s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+c, &v) == http.StatusOK
		})
		if v.PlannedStart != planned || v.Forecast == nil || v.Forecast.PlannedStart != planned || !v.Forecast.Late ||
			v.Forecast.Light != "yellow" || len(v.Forecast.CriticalPath) == 0 ||
			!strings.HasSuffix(v.Forecast.CriticalPath[len(v.Forecast.CriticalPath)-1].Item, ".shigong-xuke") {
			t.Fatalf("ledger of %s: planned %q, forecast %+v; want yellow against %s with the path to the permit", c, v.PlannedStart, v.Forecast, planned)
		}
	}
	req, err := http.NewRequest(http.MethodGet, s.url("ledger")+"/v1/ledger.xlsx", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testenv.Token(t, supervisor))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	xb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("ledger.xlsx: %d %v", resp.StatusCode, err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("开工预测")
	x.Close()
	if err != nil || len(rows) != 3 {
		t.Fatalf("开工预测 sheet: %v %v", rows, err)
	}
	for _, r := range rows[1:] {
		if len(r) < 8 || r[2] != planned || !strings.HasPrefix(r[5], "黄灯") || !strings.HasSuffix(r[7], "建筑工程施工许可证") {
			t.Errorf("开工预测 row %q", r)
		}
	}

	// Down over Monday 08:30, back at 08:31: the briefing goes out once.
	s.stop("ledger")
	s.envFor["ledger"] = append([]string{clockAt(due.Add(time.Minute))}, briefingEnv...)
	s.start("ledger")
	week := due.AddDate(0, 0, -7).Format(time.DateOnly)
	briefings := func() int { return s.streamCount("TUIJIN_EVENTS", event.TypeBriefingPublished) }
	eventually(t, 30*time.Second, "the weekly briefing of "+week, func() bool { return briefings() >= 1 })
	var ids []string
	for _, env := range s.envelopes("TUIJIN_EVENTS", event.TypeBriefingPublished) {
		ids = append(ids, env.GetId())
	}
	want := []string{"briefing-weekly-" + week}
	if due.Day() == 1 { // a Monday that is the 1st owes the month too
		want = append(want, "briefing-monthly-"+due.AddDate(0, -1, 0).Format("2006-01"))
	}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("briefings on the stream %v, want %v", ids, want)
	}

	type inbox struct {
		Items []struct {
			Title string `json:"title"`
			Body  string `json:"body"`
		} `json:"items"`
	}
	readers := map[string]auth.Principal{"leader:zrzy": testenv.Leader("zrzy"), "leader:xzsp": testenv.Leader("xzsp"),
		"role:supervisor": supervisor, "role:secretary": secretary}
	for r, as := range readers {
		var in inbox
		eventually(t, 30*time.Second, "the briefing in "+r+"'s inbox", func() bool {
			in = inbox{}
			return s.getJSON(as, s.url("notification")+"/v1/inbox?recipient="+r, &in) == http.StatusOK && len(in.Items) > 0
		})
		var found int
		for _, it := range in.Items {
			if strings.HasPrefix(it.Title, "重点项目审批服务简报（周报") {
				found++
				for _, w := range []string{"智能装备产业园 " + code, "建筑工程施工许可证",
					fmt.Sprintf("(http://ledger.example/v1/briefings/weekly.md?day=%s)", week),
					fmt.Sprintf("(http://ledger.example/v1/briefings/weekly.xlsx?day=%s)", week)} {
					if !strings.Contains(it.Body, w) {
						t.Errorf("%s's briefing lacks %q:\n%s", r, w, it.Body)
					}
				}
			}
		}
		if found != 1 {
			t.Errorf("%s has %d weekly briefings, want 1", r, found)
		}
	}
}
