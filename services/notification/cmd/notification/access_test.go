package main

import (
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/event"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// The callers of the access test: one per role and the out-of-scope
// variants (another department's clerk and leader, another officer,
// another organisation's owner); "no token" sends none.
var callers = []struct {
	name string
	p    *auth.Principal
}{
	{"clerk", ptr(testenv.Clerk("zrzy"))}, {"clerk of another department", ptr(testenv.Clerk("fgw"))},
	{"leader", ptr(testenv.Leader("zrzy"))}, {"leader of another department", ptr(testenv.Leader("fgw"))},
	{"officer", ptr(testenv.Officer("wangfang"))}, {"another officer", ptr(testenv.Officer("lijun"))},
	{"owner", ptr(testenv.OwnerOf(ownerOrg))}, {"owner of another organisation", ptr(testenv.OwnerOf("城市建设投资集团"))},
	{"supervisor", ptr(testenv.AsSupervisor)}, {"secretary", ptr(testenv.AsSecretary)},
	{"operations", ptr(testenv.AsOperations)}, {"no token", nil},
}

func ptr(p auth.Principal) *auth.Principal { return &p }

// allowed maps the callers named to 2xx, the others with a token to 403
// and "no token" to 401.
func allowed(names ...string) map[string]int {
	want := map[string]int{}
	for _, c := range callers {
		want[c.name] = http.StatusForbidden
	}
	for _, n := range names {
		if _, ok := want[n]; !ok {
			panic("no caller " + n)
		}
		want[n] = http.StatusOK
	}
	want["no token"] = http.StatusUnauthorized
	return want
}

// TestAccess walks every route with every caller (pkg/auth/ACCESS.md): a
// recipient's inbox and preferences are its own (a department's clerk and
// leader, the leader alone, the officer, the project's owner), operations
// read and set any preferences and alone read the delivery log;
// department preferences are changed by the department's leader only.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	// No SMTP server: e-mail deliveries are dead letters, for redeliver.
	base := start(t, e.clock, "--nats-url="+e.natsURL, "--mongo-uri="+e.mongoURI, "--recipients-file="+e.recipients,
		"--webhook-allow-private", "--retry-interval=50ms", "--digest-at=off", "--bulletin-at=off", "--summary-at=off")
	owner, officer := "owner:"+projectCode, "officer:wangfang"

	// The project (its owner organisation says whose owner:<code> is), an
	// assignment to zrzy and fgw, and a change the owner and officer hear of.
	e.publish(t, event.TypeProjectRegistered, newEvent(t, event.TypeProjectRegistered, &intakev1.ProjectRegistered{
		Project: &intakev1.Project{Code: projectCode, Name: "城北物流园", OwnerOrganisation: ownerOrg, OwnerContact: "张经理", Officer: "wangfang"}}))
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-project-registered",outcome="ack"}`, 1)
	for _, dept := range []string{"zrzy", "fgw"} {
		e.publish(t, event.ForDepartment(event.TypeItemAssigned, dept), newEvent(t, event.TypeItemAssigned, &ledgerv1.ItemAssigned{
			ItemId: projectCode + "." + dept, ProjectCode: projectCode, ProjectName: "城北物流园", ItemName: "用地预审与选址意见书",
			Department: dept, PromisedDays: 10, AssignedAt: timestamppb.Now()}))
	}
	e.publish(t, event.ForDepartment(event.TypeItemChanged, "zrzy"), newEvent(t, event.TypeItemChanged, &ledgerv1.ItemChanged{
		ItemId: projectCode + ".zrzy", ProjectCode: projectCode, ItemType: "用地预审与选址意见书", Department: "zrzy",
		FromStatus: "accepted", ToStatus: "approved", Action: "approve"}))
	eventually(t, "the inboxes", func() bool {
		return len(getInbox(t, base, "recipient=dept:zrzy").Items) > 0 && len(getInbox(t, base, "recipient="+owner).Items) > 0
	})
	var dead []notification.Delivery
	eventually(t, "fgw's e-mail dead-lettered", func() bool {
		dead = deliveries(t, base, "status=dead&channel=email&recipient=dept:fgw")
		return len(dead) == 1
	})
	deptEntry := getInbox(t, base, "recipient=dept:zrzy").Items[0].ID
	ownerEntry := getInbox(t, base, "recipient="+owner).Items[0].ID

	deptOwn := []string{"clerk", "leader"}
	routes := []struct {
		method, path, body string
		want               map[string]int
	}{
		{"GET", "/v1/inbox?recipient=dept:zrzy", "", allowed(deptOwn...)},
		{"GET", "/v1/inbox?recipient=leader:zrzy", "", allowed("leader")},
		{"GET", "/v1/inbox?recipient=" + officer, "", allowed("officer")},
		{"GET", "/v1/inbox?recipient=" + owner, "", allowed("owner")},
		{"GET", "/v1/inbox/unread?recipient=dept:zrzy", "", allowed(deptOwn...)},
		{"GET", "/v1/inbox/unread?recipient=" + owner, "", allowed("owner")},
		{"POST", "/v1/inbox/" + deptEntry + "/read", "", allowed(deptOwn...)},
		{"POST", "/v1/inbox/" + ownerEntry + "/read", "", allowed("owner")},
		{"GET", "/v1/preferences/dept:zrzy", "", allowed("clerk", "leader", "operations")},
		{"GET", "/v1/preferences/leader:zrzy", "", allowed("leader", "operations")},
		{"GET", "/v1/preferences/" + officer, "", allowed("officer", "operations")},
		{"GET", "/v1/preferences/" + owner, "", allowed("owner", "operations")},
		{"PUT", "/v1/preferences/dept:zrzy", `{"channels":["inbox"]}`, allowed("leader", "operations")},
		{"PUT", "/v1/preferences/leader:zrzy", `{"channels":["inbox"]}`, allowed("leader", "operations")},
		{"PUT", "/v1/preferences/" + officer, `{"channels":["inbox"]}`, allowed("officer", "operations")},
		{"PUT", "/v1/preferences/" + owner, `{"channels":["inbox"]}`, allowed("owner", "operations")},
		{"GET", "/v1/deliveries", "", allowed("operations")},
		{"GET", "/v1/deliveries/" + dead[0].ID, "", allowed("operations")},
		{"POST", "/v1/deliveries/" + dead[0].ID + "/redeliver", "", allowed("operations")},
		// Every service's audit trail (pkg/audit).
		{"GET", "/v1/audit?project=" + projectCode, "", allowed("supervisor", "operations")},
	}
	for _, rt := range routes {
		for _, c := range callers {
			want := rt.want[c.name]
			var body errorBody
			var st int
			contentType := ""
			if rt.body != "" {
				contentType = "application/json"
			}
			if c.p == nil {
				st = testenv.CallJSON(t, rt.method, base+rt.path, contentType, strings.NewReader(rt.body), &body)
			} else {
				st = testenv.CallAs(t, *c.p, rt.method, base+rt.path, contentType, strings.NewReader(rt.body), &body)
			}
			switch {
			case want == http.StatusOK && (st < 200 || st > 299):
				t.Errorf("%s %s as %s: %d %+v, want 2xx", rt.method, rt.path, c.name, st, body)
			case want == http.StatusForbidden && (st != want || body.Error.Code != "forbidden" || body.Error.Message == ""):
				t.Errorf("%s %s as %s: %d %+v, want 403 forbidden", rt.method, rt.path, c.name, st, body)
			case want == http.StatusUnauthorized && (st != want || body.Error.Code != "unauthenticated"):
				t.Errorf("%s %s as %s: %d %+v, want 401 unauthenticated", rt.method, rt.path, c.name, st, body)
			}
		}
	}
}

// TestRecipientScope: an officer's token may name them as the organisation
// file does (王芳) or by code; an owner is refused the inbox of a project
// whose registration is unknown (nothing says it is theirs); a refused
// write changes nothing.
func TestRecipientScope(t *testing.T) {
	e := newEnv(t)
	base := e.start(t)
	wangByName := auth.Principal{Subject: "wangfang", Name: "王芳", Roles: []auth.Role{auth.Officer}}
	var in notification.Inbox
	if st := do(t, wangByName, http.MethodGet, base+"/v1/inbox?recipient=officer:wangfang", &in); st != http.StatusOK {
		t.Errorf("王芳 reading officer:wangfang: %d", st)
	}
	var other errorBody
	if st := do(t, wangByName, http.MethodGet, base+"/v1/inbox?recipient=officer:lijun", &other); st != http.StatusForbidden {
		t.Errorf("王芳 reading officer:lijun: %d %+v", st, other)
	}
	var unknown errorBody
	if st := do(t, testenv.OwnerOf(ownerOrg), http.MethodGet, base+"/v1/inbox?recipient=owner:"+projectCode, &unknown); st != http.StatusForbidden {
		t.Errorf("owner of an unregistered project: %d %+v", st, unknown)
	}
	// A clerk may not point the department's messages elsewhere.
	hook := `{"channels":["webhook"],"webhook":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}`
	var refused errorBody
	if st := request(t, testenv.Clerk("zrzy"), http.MethodPut, base+"/v1/preferences/dept:zrzy", "application/json", []byte(hook), &refused); st != http.StatusForbidden {
		t.Errorf("clerk setting dept:zrzy's webhook: %d %+v", st, refused)
	}
	var p notification.Preferences
	if st := do(t, testenv.Clerk("zrzy"), http.MethodGet, base+"/v1/preferences/dept:zrzy", &p); st != http.StatusOK ||
		p.Webhook != e.robot.srv.URL+"/robot/zrzy" {
		t.Errorf("after the refusal: %d %+v, want the recipients file's webhook", st, p)
	}
}
