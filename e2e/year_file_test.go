package e2e

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
)

// good2027 is a year file shaped like the State Council's notice (only 元旦
// here, a test fixture): 2027-01-01 becomes a day off.
const good2027 = `year: 2027
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
  date: 2026-11-20
holidays:
  - name: 元旦
    off: ["2027-01-01..2027-01-03"]
`

// corrected2027 is a corrected notice: 元旦 runs to Monday 01-04.
const corrected2027 = `year: 2027
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用，更正）
  date: 2026-11-25
holidays:
  - name: 元旦
    off: ["2027-01-01..2027-01-04"]
`

// bad2027 contradicts itself: 01-04 is both a day off and a make-up day.
const bad2027 = `year: 2027
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知（错误稿）
  date: 2026-11-20
holidays:
  - name: 元旦
    off: ["2027-01-01..2027-01-04"]
    work: ["2027-01-04"]
`

// TestYearFileDroppedWhileTheSystemRuns runs intake, ledger and deadline as
// processes on 2026-12-15, when no 2027 arrangement is published: a 15-day
// 环评 is due 2027-01-05, counting 元旦 as a working day, and marked
// provisional. A self-contradicting 2027.yaml moved into TUIJIN_CALENDAR_DIR
// changes nothing in either service; the good file, moved in while they
// run, recounts the limit in both — due 2027-01-06, a recount entry in the
// ledger's timeline, provisional cleared, the gauge down — and a bad file
// written over the good one later replaces nothing. A corrected file
// replacing it at last recounts the limits, no longer provisional, again.
func TestYearFileDroppedWhileTheSystemRuns(t *testing.T) {
	s := newSystem(t)
	dir, staging := t.TempDir(), t.TempDir()
	at := offsetTo("2026-12-15")
	for _, name := range []string{"intake", "ledger", "deadline"} {
		s.envFor[name] = []string{"TUIJIN_CLOCK_OFFSET=" + at.String(), "TUIJIN_CALENDAR_DIR=" + dir,
			"TUIJIN_CALENDAR_POLL=300ms"}
	}
	s.start("intake", "ledger", "deadline")
	code := projectCode(9200)
	s.registerProject(code)
	huanping, wenwu := code+".huanping", code+".wenwu"

	type clock struct {
		DueDate     string `json:"due_date"`
		Provisional bool   `json:"provisional"`
	}
	deadlineOf := func(id string) clock {
		var d clock
		eventually(t, 60*time.Second, "deadline of "+id, func() bool {
			return s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/"+url.PathEscape("item:"+id), &d) == http.StatusOK
		})
		return d
	}
	provisional := func() float64 { return s.metric("deadline", "tuijin_deadline_provisional_items", map[string]string{}) }
	recomputed := func() int { return s.streamCount(bus.EventsStream, event.AllDepartments(event.TypeDeadlineRecomputed)) }
	// unchanged checks that nothing has moved since the start.
	unchanged := func(when string) {
		t.Helper()
		for _, id := range []string{huanping, wenwu} {
			if d := deadlineOf(id); d.DueDate != "2027-01-05" || !d.Provisional {
				t.Errorf("%s: deadline %s due %s provisional %v, want 2027-01-05 provisional", when, id, d.DueDate, d.Provisional)
			}
			if got := s.ledgerDueDate(code, id); got != "2027-01-05" {
				t.Errorf("%s: ledger %s due %s, want 2027-01-05", when, id, got)
			}
		}
		if n := provisional(); n != 2 {
			t.Errorf("%s: tuijin_deadline_provisional_items %v, want 2", when, n)
		}
		if n := recomputed(); n != 0 {
			t.Errorf("%s: %d recomputed events, want 0", when, n)
		}
	}
	unchanged("before any file")

	// drop writes a year file elsewhere and moves it in, as the README says.
	drop := func(body string) {
		t.Helper()
		tmp := filepath.Join(staging, "2027.yaml")
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "2027.yaml")); err != nil {
			t.Fatal(err)
		}
	}
	refused := func(service string) float64 {
		return s.metric(service, "tuijin_"+service+"_calendar_files_refused", map[string]string{})
	}

	drop(bad2027)
	for _, svc := range []string{"deadline", "ledger"} {
		eventually(t, 60*time.Second, svc+" refusing the bad 2027.yaml", func() bool { return refused(svc) == 1 })
	}
	var years struct {
		Refused []struct {
			File  string `json:"file"`
			Error string `json:"error"`
		} `json:"refused"`
	}
	if st := s.getJSON(supervisor, s.url("deadline")+"/v1/calendar/years", &years); st != http.StatusOK ||
		len(years.Refused) != 1 || filepath.Base(years.Refused[0].File) != "2027.yaml" || years.Refused[0].Error == "" {
		t.Errorf("calendar years after the bad file: %d %+v", st, years.Refused)
	}
	unchanged("after the bad file")

	drop(good2027)
	eventually(t, 60*time.Second, "the deadline recounted", func() bool {
		return deadlineOf(huanping).DueDate == "2027-01-06" && deadlineOf(wenwu).DueDate == "2027-01-06"
	})
	for _, id := range []string{huanping, wenwu} {
		if d := deadlineOf(id); d.Provisional {
			t.Errorf("deadline %s still provisional after 2027's file", id)
		}
		eventually(t, 60*time.Second, "the ledger's recount of "+id, func() bool { return s.ledgerDueDate(code, id) == "2027-01-06" })
		if n := s.timelineEntries(code, id, "recount"); n != 1 {
			t.Errorf("ledger %s: %d recount entries, want 1", id, n)
		}
	}
	if n := provisional(); n != 0 {
		t.Errorf("tuijin_deadline_provisional_items %v after 2027's file, want 0", n)
	}
	if n := recomputed(); n != 2 {
		t.Errorf("%d recomputed events, want 2", n)
	}
	var y2027 struct {
		Covered bool `json:"covered"`
		Source  *struct {
			Title string `json:"title"`
		} `json:"source"`
	}
	if st := s.getJSON(supervisor, s.url("deadline")+"/v1/calendar/years/2027", &y2027); st != http.StatusOK ||
		!y2027.Covered || y2027.Source == nil || y2027.Source.Title != "国务院办公厅关于2027年部分节假日安排的通知（测试用）" {
		t.Errorf("2027 after its file: %d %+v", st, y2027)
	}

	// A bad file over the good one: refused again, the good one stays.
	drop(bad2027)
	for _, svc := range []string{"deadline", "ledger"} {
		eventually(t, 60*time.Second, svc+" refusing the bad file over the good", func() bool { return refused(svc) == 1 })
	}
	if st := s.getJSON(supervisor, s.url("deadline")+"/v1/calendar/years/2027", &y2027); st != http.StatusOK ||
		!y2027.Covered || y2027.Source == nil || y2027.Source.Title != "国务院办公厅关于2027年部分节假日安排的通知（测试用）" {
		t.Errorf("2027 after a bad file over the good one: %d %+v", st, y2027)
	}
	for _, id := range []string{huanping, wenwu} {
		if d := deadlineOf(id); d.DueDate != "2027-01-06" || d.Provisional {
			t.Errorf("after the bad file over the good: deadline %s due %s provisional %v", id, d.DueDate, d.Provisional)
		}
		if got := s.ledgerDueDate(code, id); got != "2027-01-06" {
			t.Errorf("after the bad file over the good: ledger %s due %s", id, got)
		}
	}
	if n := recomputed(); n != 2 {
		t.Errorf("%d recomputed events after the bad file over the good, want 2", n)
	}
	var add struct {
		Result      string `json:"result"`
		Provisional bool   `json:"provisional"`
	}
	if st := s.getJSON(supervisor, s.url("deadline")+"/v1/calendar/add?date=2026-12-31&days=1", &add); st != http.StatusOK ||
		add.Result != "2027-01-04" || add.Provisional {
		t.Errorf("calendar add after the bad file over the good: %d %+v, want 2027-01-04", st, add)
	}

	// A corrected notice replaces the file: 元旦 runs to Monday 01-04. The
	// limits, no longer provisional, are recounted in both services again.
	drop(corrected2027)
	eventually(t, 60*time.Second, "the deadline recounted on the correction", func() bool {
		return deadlineOf(huanping).DueDate == "2027-01-07" && deadlineOf(wenwu).DueDate == "2027-01-07"
	})
	for _, id := range []string{huanping, wenwu} {
		eventually(t, 60*time.Second, "the ledger's recount of "+id+" on the correction", func() bool {
			return s.ledgerDueDate(code, id) == "2027-01-07"
		})
		if n := s.timelineEntries(code, id, "recount"); n != 2 {
			t.Errorf("ledger %s: %d recount entries after the correction, want 2", id, n)
		}
	}
	if n := recomputed(); n != 4 {
		t.Errorf("%d recomputed events after the correction, want 4", n)
	}
}

// timelineEntries counts the entries of action in item id's timeline.
func (s *system) timelineEntries(code, id, action string) int {
	s.t.Helper()
	var p struct {
		Items []struct {
			ID       string `json:"id"`
			Timeline []struct {
				Action string `json:"action"`
			} `json:"timeline"`
		} `json:"items"`
	}
	if st := s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+code, &p); st != http.StatusOK {
		s.t.Fatalf("ledger of %s: status %d", code, st)
	}
	n := 0
	for _, it := range p.Items {
		if it.ID != id {
			continue
		}
		for _, e := range it.Timeline {
			if e.Action == action {
				n++
			}
		}
	}
	return n
}
