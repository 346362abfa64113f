package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
)

// readyItems are the catalog's items without prerequisites, by department:
// exactly these are assigned when a project is registered.
var readyItems = map[string]string{
	"lixiang":       "fgw",
	"yongdi-yushen": "zrzy",
	"huanping":      "sthj",
	"wenwu":         "wlj",
	"shuibao":       "slj",
}

var services = []string{"intake", "ledger", "deadline", "coordination-meeting", "notification"}

// TestWalkingSkeleton registers a project and follows it through every
// service: one item.assigned event per ready item and none for the others,
// a due date per assignment, an inbox entry per department, and the
// ledger's pending gauge.
func TestWalkingSkeleton(t *testing.T) {
	s := newSystem(t)
	s.start(services...)
	code := projectCode(1)
	s.registerProject(code)

	assigned := fmt.Sprintf("%s.>", event.TypeItemAssigned)
	eventually(t, 30*time.Second, "five item.assigned events", func() bool {
		return s.streamCount("TUIJIN_EVENTS", assigned) >= len(readyItems)
	})
	got := map[string]string{}
	for _, env := range s.envelopes("TUIJIN_EVENTS", assigned) {
		var a ledgerv1.ItemAssigned
		if err := event.Payload(env, &a); err != nil {
			t.Fatal(err)
		}
		if a.GetProjectCode() != code {
			t.Fatalf("event for project %q", a.GetProjectCode())
		}
		key := strings.TrimPrefix(a.GetItemId(), code+".")
		if _, dup := got[key]; dup {
			t.Fatalf("item %s assigned twice", key)
		}
		got[key] = a.GetDepartment()
	}
	if !maps.Equal(got, readyItems) {
		t.Fatalf("assigned items = %v, want %v", got, readyItems)
	}
	// The subject carries the department, so a department's system can
	// subscribe to its own.
	for key, dept := range readyItems {
		if n := s.streamCount("TUIJIN_EVENTS", event.ForDepartment(event.TypeItemAssigned, dept)); n != 1 {
			t.Errorf("%s: %d events on the %s subject, want 1", key, n, dept)
		}
	}

	t.Run("ledger shows ready items assigned and the rest waiting", func(t *testing.T) {
		var p struct {
			Code  string `json:"code"`
			Items []struct {
				ID         string `json:"id"`
				Department string `json:"department"`
				Status     string `json:"status"`
			} `json:"items"`
		}
		if st := s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+code, &p); st != http.StatusOK {
			t.Fatalf("status %d", st)
		}
		if len(p.Items) != 11 {
			t.Fatalf("%d items in the ledger, want the catalog's 11", len(p.Items))
		}
		for _, it := range p.Items {
			key := strings.TrimPrefix(it.ID, code+".")
			want := "waiting"
			if _, ready := readyItems[key]; ready {
				want = "assigned"
			}
			if it.Status != want {
				t.Errorf("item %s is %s, want %s", key, it.Status, want)
			}
		}
	})

	t.Run("each assignment has a working-day due date", func(t *testing.T) {
		for key := range readyItems {
			var d struct {
				Start   time.Time `json:"start"`
				Days    int       `json:"working_days"`
				DueDate string    `json:"due_date"`
			}
			id := url.PathEscape("item:" + code + "." + key)
			eventually(t, 20*time.Second, "deadline of "+key, func() bool {
				return s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/"+id, &d) == http.StatusOK
			})
			if d.Days <= 0 {
				t.Fatalf("%s: %d working days", key, d.Days)
			}
			var add struct {
				Result string `json:"result"`
			}
			start := d.Start.In(workday.Zone).Format(time.DateOnly)
			q := url.Values{"date": {start}, "days": {fmt.Sprint(d.Days)}}
			if st := s.getJSON(supervisor, s.url("deadline")+"/v1/calendar/add?"+q.Encode(), &add); st != http.StatusOK {
				t.Fatalf("calendar add: status %d", st)
			}
			if d.DueDate != add.Result {
				t.Errorf("%s: due %s, want %d working days after %s = %s", key, d.DueDate, d.Days, start, add.Result)
			}
		}
	})

	t.Run("each department finds the item in its inbox", func(t *testing.T) {
		for key, dept := range readyItems {
			var inbox struct {
				Unread int `json:"unread"`
				Items  []struct {
					ItemID string `json:"item_id"`
				} `json:"items"`
			}
			eventually(t, 20*time.Second, "inbox of "+dept, func() bool {
				s.getJSON(testenv.Clerk(dept), s.url("notification")+"/v1/inbox?recipient=dept:"+dept, &inbox)
				return len(inbox.Items) > 0
			})
			if len(inbox.Items) != 1 || inbox.Items[0].ItemID != code+"."+key {
				t.Errorf("inbox of %s = %+v, want one entry for %s", dept, inbox.Items, key)
			}
		}
	})

	t.Run("ledger metrics count pending items per department", func(t *testing.T) {
		depts := []string{"fgw", "zrzy", "sthj", "wlj", "slj", "zjj", "rfb"}
		for _, dept := range depts {
			want := 0.0
			if slices.Contains(slices.Collect(maps.Values(readyItems)), dept) {
				want = 1
			}
			got := s.metric("ledger", "tuijin_ledger_pending_items", map[string]string{"department": dept, "state": "assigned"})
			if got != want {
				t.Errorf("pending{department=%s,state=assigned} = %v, want %v", dept, got, want)
			}
		}
	})

	t.Run("no further assignment came in meanwhile", func(t *testing.T) {
		if n := s.streamCount("TUIJIN_EVENTS", assigned); n != len(readyItems) {
			t.Fatalf("%d item.assigned events on the stream, want %d", n, len(readyItems))
		}
	})

	t.Run("every service stops cleanly within seconds", func(t *testing.T) {
		for _, name := range slices.Backward(services) {
			s.stop(name)
		}
	})
}
