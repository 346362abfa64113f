package e2e

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/testenv"
)

type auditPage struct {
	Entries []struct {
		Actor   string `json:"actor"`
		Action  string `json:"action"`
		Target  string `json:"target"`
		Project string `json:"project"`
		Outcome string `json:"outcome"`
		Status  int    `json:"status"`
		Remote  string `json:"remote"`
	} `json:"entries"`
}

// TestAccess is issue 12's acceptance over the five services as processes:
// anonymous calls get 401, a clerk cannot act on another department's item
// nor an owner read another owner's project, each allowed call works with
// the right token, and the audit trails name the person behind every state
// change — across the events that carry it from service to service.
func TestAccess(t *testing.T) {
	s := newSystem(t)
	s.start(services...)
	code := projectCode(1201)
	s.registerProject(code)
	lixiang := code + ".lixiang" // fgw's

	t.Run("anonymous calls get 401 on every service", func(t *testing.T) {
		for name, path := range map[string]string{
			"intake": "/v1/projects", "ledger": "/v1/items?department=fgw", "deadline": "/v1/deadlines?department=fgw",
			"coordination-meeting": "/v1/meetings", "notification": "/v1/inbox?recipient=dept:fgw",
		} {
			var e apiError
			resp := s.do(anonymous, http.MethodGet, s.url(name)+path, "", nil, nil, &e)
			if resp.StatusCode != http.StatusUnauthorized || e.Error.Code != "unauthenticated" ||
				resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: %d %+v", name, path, resp.StatusCode, e)
			}
			var health map[string]string
			if st := s.getJSON(anonymous, s.url(name)+"/healthz", &health); st != http.StatusOK {
				t.Errorf("%s /healthz: %d", name, st)
			}
		}
	})

	eventually(t, 60*time.Second, "lixiang assigned in the ledger", func() bool {
		var p struct {
			Items []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"items"`
		}
		if s.getJSON(officer, s.url("ledger")+"/v1/projects/"+code, &p) != http.StatusOK {
			return false
		}
		for _, it := range p.Items {
			if it.ID == lixiang && it.Status == "assigned" {
				return true
			}
		}
		return false
	})

	t.Run("a zrzy clerk cannot accept fgw's item; fgw's clerk can", func(t *testing.T) {
		accept := func(as auth.Principal) (int, apiError) {
			var e apiError
			resp := s.postJSON(as, s.url("ledger")+"/v1/items/"+lixiang+"/actions",
				map[string]any{"action": "accept", "actor": "审批科", "version": s.ledgerVersion(code)}, nil, &e)
			return resp.StatusCode, e
		}
		if st, e := accept(testenv.Clerk("zrzy")); st != http.StatusForbidden || e.Error.Code != "forbidden" {
			t.Fatalf("zrzy clerk: %d %+v", st, e)
		}
		if st, e := accept(owner); st != http.StatusForbidden {
			t.Fatalf("owner: %d %+v", st, e)
		}
		if st, e := accept(testenv.Clerk("fgw")); st != http.StatusOK {
			t.Fatalf("fgw clerk: %d %+v", st, e)
		}
	})

	t.Run("an owner cannot read another owner's project", func(t *testing.T) {
		other := testenv.OwnerOf("城市建设投资集团")
		for _, u := range []string{s.url("intake") + "/v1/projects/" + code, s.url("ledger") + "/v1/projects/" + code} {
			var e apiError
			if st := s.getJSON(other, u, &e); st != http.StatusForbidden && st != http.StatusNotFound {
				t.Errorf("GET %s as another owner: %d %+v", u, st, e)
			}
			var p map[string]any
			if st := s.getJSON(owner, u, &p); st != http.StatusOK {
				t.Errorf("GET %s as its owner: %d", u, st)
			}
		}
	})

	t.Run("the audit trails name who changed what", func(t *testing.T) {
		q := "/v1/audit?project=" + url.QueryEscape(code)
		find := func(service, actor, action string) bool {
			var page auditPage
			if s.getJSON(supervisor, s.url(service)+q, &page) != http.StatusOK {
				return false
			}
			for _, e := range page.Entries {
				if e.Actor == actor && e.Action == action {
					return true
				}
			}
			return false
		}
		// The owner registered the project: intake recorded the request,
		// and the ledger the event it consumed, with the owner as actor.
		eventually(t, 30*time.Second, "intake's entry for the registration", func() bool {
			return find("intake", owner.Subject, "POST /v1/projects")
		})
		eventually(t, 30*time.Second, "ledger's entry for the consumed registration", func() bool {
			return find("ledger", owner.Subject, "consume tuijin.intake.project.registered")
		})
		eventually(t, 30*time.Second, "ledger's entries for the refused and the accepted action", func() bool {
			return find("ledger", "zrzy-clerk", "POST /v1/items/{id}/actions") &&
				find("ledger", "fgw-clerk", "POST /v1/items/{id}/actions")
		})
		// The acceptance travelled on as an item.changed event: deadline
		// records the clerk as the one who caused it.
		eventually(t, 30*time.Second, "deadline's entry for the consumed item.changed", func() bool {
			var page auditPage
			if s.getJSON(supervisor, s.url("deadline")+"/v1/audit?actor=fgw-clerk", &page) != http.StatusOK {
				return false
			}
			for _, e := range page.Entries {
				if e.Action == "consume tuijin.ledger.item.changed" && e.Outcome == "ok" {
					return true
				}
			}
			return false
		})
		var e apiError
		if st := s.getJSON(testenv.Clerk("fgw"), s.url("ledger")+"/v1/audit", &e); st != http.StatusForbidden {
			t.Errorf("a clerk reads the audit trail: %d", st)
		}
	})
}
