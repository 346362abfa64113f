package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestLedgerAndClockAgreeOnDue drives four items of one project through
// acceptance, suspension, 补正 before and after acceptance, a suspension
// during a 补正 and a late acceptance, with days passing between the steps (the ledger is restarted
// with its clock further ahead; the clock counts from the times the ledger's
// events carry). After every step the ledger and the deadline service show
// the same due instant for every item.
func TestLedgerAndClockAgreeOnDue(t *testing.T) {
	s := newSystem(t)
	s.start("intake", "ledger", "deadline")
	code := projectCode(831)
	lixiang, yushen, huanping, shuibao := code+".lixiang", code+".yongdi-yushen", code+".huanping", code+".shuibao"
	s.registerProject(code)
	for _, id := range []string{lixiang, yushen, huanping, shuibao} {
		s.waitAgreed(code, id, "running", false)
	}

	type step struct{ id, action, note string }
	phases := []struct {
		offset time.Duration
		steps  []step
		want   map[string]string // state of the clocks after the phase
	}{
		{0, []step{{huanping, "accept", ""}, {lixiang, "suspend", "待听证"}, {shuibao, "accept", ""}, {shuibao, "request_supplement", "缺方案"}},
			map[string]string{huanping: "running", lixiang: "paused", yushen: "running", shuibao: "paused"}},
		{48 * time.Hour, []step{{lixiang, "resume", ""}, {yushen, "request_supplement", "缺红线图"}, {huanping, "request_supplement", "缺监测报告"},
			{shuibao, "suspend", "专家评审"}},
			map[string]string{lixiang: "running", yushen: "paused", huanping: "paused", shuibao: "paused"}},
		{216 * time.Hour, []step{{yushen, "supplement_received", ""}, {huanping, "supplement_received", ""}, {lixiang, "accept", ""},
			{shuibao, "resume", ""}, {shuibao, "supplement_received", ""}},
			map[string]string{lixiang: "running", yushen: "running", huanping: "running", shuibao: "running"}},
	}
	for i, ph := range phases {
		if ph.offset != 0 {
			s.stop("ledger")
			s.envFor["ledger"] = []string{"TUIJIN_CLOCK_OFFSET=" + ph.offset.String()}
			s.start("ledger")
		}
		for _, st := range ph.steps {
			body := map[string]any{"action": st.action, "actor": "审批科", "version": s.ledgerVersion(code)}
			if st.note != "" {
				body["note"] = st.note
			}
			var e apiError
			if resp := s.postJSON(clerkOf(t, st.id), s.url("ledger")+"/v1/items/"+st.id+"/actions", body, nil, &e); resp.StatusCode != http.StatusOK {
				t.Fatalf("phase %d: %s %s: status %d %+v", i, st.action, st.id, resp.StatusCode, e)
			}
		}
		for id, state := range ph.want {
			s.waitAgreed(code, id, state, i == 2 && id == lixiang)
		}
	}
	if it := s.ledgerItem(code, lixiang); !it.AcceptedLate {
		t.Errorf("立项 accepted nine days after receipt is not marked late in the ledger")
	}
}

// waitAgreed waits until the clock of item id is in state and shows the
// due instant the ledger shows (and, with late, a late acceptance), and
// fails if that does not come about.
func (s *system) waitAgreed(code, id, state string, late bool) {
	s.t.Helper()
	var ledgerDue *time.Time
	var clock deadlineView
	testenv.WaitFor(s.t, 20*time.Second, id+" "+state+" with the ledger's due date", func() bool {
		// The ledger is opened by the registration's event: not found
		// until that has arrived.
		it, st := s.findLedgerItem(code, id)
		if st == http.StatusNotFound || (st == http.StatusOK && it == nil) {
			return false
		}
		if st != http.StatusOK {
			s.t.Fatalf("ledger %s: status %d", code, st)
		}
		ledgerDue = it.Due
		s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/item:"+id, &clock)
		return clock.State == state && ledgerDue != nil && ledgerDue.Equal(clock.DueAt) && clock.AcceptedLate == late
	})
}
