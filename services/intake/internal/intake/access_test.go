package intake

import (
	"context"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

func demoService(t *testing.T) *Service {
	t.Helper()
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	return &Service{ref: NewReference(o), clock: clock.System{}}
}

// TestHTTPUseCasesNeedAPrincipal: a use case HTTP calls refuses a context
// without a principal (a route mounted without authentication fails
// closed) before it reads or writes anything: the store is nil.
func TestHTTPUseCasesNeedAPrincipal(t *testing.T) {
	s := demoService(t)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"register": func() error { _, _, err := s.RegisterProject(ctx, validProject()); return err },
		"import": func() error {
			_, _, err := s.ImportProjects(ctx, []ImportRow{{Row: 2, Project: validProject()}}, ImportKey{})
			return err
		},
		"submit":       func() error { _, _, err := s.SubmitRequest(ctx, validRequest(), ""); return err },
		"get request":  func() error { _, err := s.GetRequest(ctx, "r1"); return err },
		"get project":  func() error { _, err := s.GetProject(ctx, validProject().Code); return err },
		"list project": func() error { _, err := s.ListProjects(ctx, ProjectQuery{Limit: 10}); return err },
	} {
		if err := call(); apperr.KindOf(err) != apperr.KindUnauthenticated {
			t.Errorf("%s without a principal: %v, want unauthenticated", name, err)
		}
	}
}

func TestScopeQuery(t *testing.T) {
	s := demoService(t)
	owner := auth.Principal{Subject: "o", Roles: []auth.Role{auth.Owner}, Owner: "示范新材料有限公司"}
	officer := auth.Principal{Subject: "wangfang", Name: "王芳", Roles: []auth.Role{auth.Officer}}
	clerk := auth.Principal{Subject: "c", Roles: []auth.Role{auth.Clerk}, Department: "zrzy"}
	ops := auth.Principal{Subject: "ops", Roles: []auth.Role{auth.Operations}}
	for _, tt := range []struct {
		name           string
		p              auth.Principal
		q              ProjectQuery
		owner, officer string
		forbidden      bool
	}{
		{"owner forced to theirs", owner, ProjectQuery{}, "示范新材料有限公司", "", false},
		{"owner naming theirs", owner, ProjectQuery{Owner: "示范新材料有限公司", Officer: "lijun"}, "示范新材料有限公司", "lijun", false},
		{"owner naming another", owner, ProjectQuery{Owner: "城市建设投资集团"}, "", "", true},
		{"officer forced to theirs by name", officer, ProjectQuery{}, "", "wangfang", false},
		{"officer naming another", officer, ProjectQuery{Officer: "lijun"}, "", "", true},
		{"clerk reads all", clerk, ProjectQuery{Owner: "城市建设投资集团"}, "城市建设投资集团", "", false},
		{"operations reads none", ops, ProjectQuery{}, "", "", true},
	} {
		q, err := s.scopeQuery(tt.p, tt.q)
		if tt.forbidden {
			if apperr.KindOf(err) != apperr.KindForbidden {
				t.Errorf("%s: %v, want forbidden", tt.name, err)
			}
			continue
		}
		if err != nil || q.Owner != tt.owner || q.Officer != tt.officer {
			t.Errorf("%s: %+v %v, want owner %q officer %q", tt.name, q, err, tt.owner, tt.officer)
		}
	}
}

func TestCheckRegistrant(t *testing.T) {
	p := validProject()
	for _, tt := range []struct {
		name string
		who  auth.Principal
		ok   bool
	}{
		{"its owner", auth.Principal{Roles: []auth.Role{auth.Owner}, Owner: p.OwnerOrganisation}, true},
		{"another owner", auth.Principal{Roles: []auth.Role{auth.Owner}, Owner: "城市建设投资集团"}, false},
		{"an owner without organisation", auth.Principal{Roles: []auth.Role{auth.Owner}}, false},
		{"an officer", auth.Principal{Name: "李军", Roles: []auth.Role{auth.Officer}}, true},
		{"a supervisor", auth.Principal{Roles: []auth.Role{auth.Supervisor}}, true},
		{"a clerk", auth.Principal{Roles: []auth.Role{auth.Clerk}, Department: "zrzy"}, false},
	} {
		err := checkRegistrant(tt.who, p)
		if tt.ok != (err == nil) || (!tt.ok && apperr.KindOf(err) != apperr.KindForbidden) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func validRequest() Request {
	return Request{ProjectCode: validProject().Code, Kind: "agency", Title: "委托代办施工许可", Contact: "刘经理"}
}
