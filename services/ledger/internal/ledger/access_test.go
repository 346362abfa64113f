package ledger

import (
	"errors"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
)

func TestAccessRules(t *testing.T) {
	s := &Service{officerName: func(code string) (string, bool) {
		name, ok := map[string]string{"wangfang": "王芳", "lijun": "李军"}[code]
		return name, ok
	}}
	p := &Project{ProjectInfo: ProjectInfo{Code: "c", OwnerOrganisation: "城投集团", Officer: "wangfang"},
		Problems: []Problem{{ID: "c.p1", Department: "zrzy"}}}
	it := &Item{ID: "c.lixiang", Department: "fgw"}
	officer := func(name string) auth.Principal {
		return auth.Principal{Subject: "o", Name: name, Roles: []auth.Role{auth.Officer}}
	}
	clerk := func(d string) auth.Principal {
		return auth.Principal{Subject: "c", Roles: []auth.Role{auth.Clerk}, Department: d}
	}
	owner := func(o string) auth.Principal {
		return auth.Principal{Subject: "w", Roles: []auth.Role{auth.Owner}, Owner: o}
	}
	role := func(r auth.Role) auth.Principal { return auth.Principal{Subject: "r", Roles: []auth.Role{r}} }
	// A clerk who is also a supervisor is allowed what either role is.
	both := auth.Principal{Subject: "b", Roles: []auth.Role{auth.Clerk, auth.Supervisor}, Department: "sthj"}

	for _, tt := range []struct {
		name  string
		err   error
		allow bool
	}{
		{"owner reads their project", s.mayRead(owner("城投集团"), p), true},
		{"owner reads another's", s.mayRead(owner("港务集团"), p), false},
		{"officer by code reads", s.mayRead(officer("wangfang"), p), true},
		{"officer by name reads", s.mayRead(officer("王芳"), p), true},
		{"another officer reads", s.mayRead(officer("李军"), p), false},
		{"any clerk reads", s.mayRead(clerk("slj"), p), true},
		{"secretary reads", s.mayRead(role(auth.Secretary), p), true},
		{"operations reads", s.mayRead(role(auth.Operations), p), false},
		{"an owner claim without the role", s.mayRead(auth.Principal{Subject: "x", Owner: "城投集团"}, p), false},
		{"clerk of the item's department acts", mayAct(clerk("fgw"), it), true},
		{"clerk of another department acts", mayAct(clerk("zrzy"), it), false},
		{"supervisor acts", mayAct(role(auth.Supervisor), it), false},
		{"owner raises", s.mayRaise(owner("城投集团"), p), true},
		{"clerk raises", s.mayRaise(clerk("zrzy"), p), false},
		{"clerk of the problem's department updates", s.mayUpdateProblem(clerk("zrzy"), p, "c.p1"), true},
		{"clerk of another department updates", s.mayUpdateProblem(clerk("fgw"), p, "c.p1"), false},
		{"officer by name updates", s.mayUpdateProblem(officer("王芳"), p, "c.p1"), true},
		{"owner updates", s.mayUpdateProblem(owner("城投集团"), p, "c.p1"), false},
		{"clerk on an unknown problem (404 follows)", s.mayUpdateProblem(clerk("fgw"), p, "c.p9"), true},
		{"officer moves the progress", s.mayUpdateProgress(officer("wangfang"), p), true},
		{"owner moves the progress", s.mayUpdateProgress(owner("城投集团"), p), false},
		{"officer takes a task", s.mayActOnTask(officer("王芳"), p), true},
		{"supervisor takes a task", s.mayActOnTask(role(auth.Supervisor), p), false},
		{"clerk and supervisor raises", s.mayRaise(both, p), true},
	} {
		if got := tt.err == nil; got != tt.allow {
			t.Errorf("%s: %v, want allowed %v", tt.name, tt.err, tt.allow)
		}
		if e, ok := apperr.As(tt.err); tt.err != nil && (!ok || e.Kind != apperr.KindForbidden || e.Message == "") {
			t.Errorf("%s: %v, want a forbidden error with a message", tt.name, tt.err)
		}
	}

	for _, tt := range []struct {
		name       string
		p          auth.Principal
		asked      string
		department string
		allow      bool
	}{
		{"clerk without a department gets theirs", clerk("zrzy"), "", "zrzy", true},
		{"clerk naming theirs", clerk("zrzy"), "zrzy", "zrzy", true},
		{"clerk naming another", clerk("zrzy"), "fgw", "", false},
		{"officer any", officer("王芳"), "fgw", "fgw", true},
		{"secretary all", role(auth.Secretary), "", "", true},
		{"clerk and supervisor any", both, "fgw", "fgw", true},
		{"owner", owner("城投集团"), "", "", false},
		{"a clerk claim without a department", clerk(""), "", "", false},
	} {
		got, err := queueDepartment(tt.p, tt.asked)
		if (err == nil) != tt.allow || got != tt.department {
			t.Errorf("queue %s: %q %v, want %q allowed %v", tt.name, got, err, tt.department, tt.allow)
		}
	}

	for _, tt := range []struct {
		name    string
		p       auth.Principal
		asked   string
		allow   bool
		visible map[string]bool
	}{
		{"officer by name", officer("王芳"), "", true, map[string]bool{"wangfang": true, "lijun": false}},
		{"officer naming themselves", officer("王芳"), "wangfang", true, map[string]bool{"wangfang": true, "lijun": false}},
		{"officer naming another", officer("王芳"), "lijun", false, nil},
		{"supervisor", role(auth.Supervisor), "lijun", true, map[string]bool{"wangfang": true, "lijun": true}},
		{"clerk", clerk("zrzy"), "", false, nil},
	} {
		visible, err := s.taskScope(tt.p, tt.asked)
		if (err == nil) != tt.allow {
			t.Errorf("tasks %s: %v, want allowed %v", tt.name, err, tt.allow)
			continue
		}
		for o, want := range tt.visible {
			if visible(o) != want {
				t.Errorf("tasks %s: %s's visible %v, want %v", tt.name, o, !want, want)
			}
		}
	}
	if _, err := auth.Caller(t.Context()); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("a context without a principal: %v, want unauthenticated", err)
	}
}
