package auth_test

import (
	"context"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
)

func TestRequire(t *testing.T) {
	clerk := auth.Principal{Subject: "c", Roles: []auth.Role{auth.Clerk}, Department: "zrzy"}
	if _, err := auth.Require(context.Background(), auth.Clerk); apperr.KindOf(err) != apperr.KindUnauthenticated {
		t.Errorf("no principal: %v", err)
	}
	if _, err := auth.Caller(context.Background()); apperr.KindOf(err) != apperr.KindUnauthenticated {
		t.Errorf("caller without principal: %v", err)
	}
	ctx := auth.NewContext(context.Background(), clerk)
	if p, err := auth.Caller(ctx); err != nil || p.Subject != "c" {
		t.Errorf("caller: %+v %v", p, err)
	}
	if p, err := auth.Require(ctx, auth.Officer, auth.Clerk); err != nil || p.Subject != "c" {
		t.Errorf("clerk as clerk: %v", err)
	}
	if _, err := auth.Require(ctx, auth.Supervisor, auth.Operations); apperr.KindOf(err) != apperr.KindForbidden {
		t.Errorf("clerk as supervisor: %v", err)
	}
}

func TestScopes(t *testing.T) {
	clerk := auth.Principal{Subject: "c", Roles: []auth.Role{auth.Clerk}, Department: "zrzy"}
	officer := auth.Principal{Subject: "wangfang", Name: "王芳", Roles: []auth.Role{auth.Officer}}
	owner := auth.Principal{Subject: "o", Roles: []auth.Role{auth.Owner}, Owner: "示范智能装备有限公司"}
	for _, tt := range []struct {
		name string
		got  bool
		want bool
	}{
		{"clerk of own department", clerk.OfDepartment("zrzy"), true},
		{"clerk of another", clerk.OfDepartment("fgw"), false},
		{"empty department", clerk.OfDepartment(""), false},
		{"officer as department", officer.OfDepartment(""), false},
		{"officer of own project", officer.OfficerOf("王芳"), true},
		{"officer of another's", officer.OfficerOf("李军"), false},
		{"clerk is no officer", clerk.OfficerOf(""), false},
		{"owner of own", owner.OwnerOf(" 示范智能装备有限公司 "), true},
		{"owner of another", owner.OwnerOf("城市建设投资集团"), false},
		{"officer is no owner", officer.OwnerOf(""), false},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %v", tt.name, tt.got)
		}
	}
}

func TestClaimsDropUnknownRoles(t *testing.T) {
	p := auth.Claims{Subject: "x", Roles: []string{"officer", "root", "supervisor"}}.Principal()
	if len(p.Roles) != 2 || !p.Has(auth.Officer, auth.Supervisor) || p.Has(auth.Role("root")) {
		t.Errorf("roles %v", p.Roles)
	}
	if back := auth.ClaimsOf(p).Principal(); len(back.Roles) != 2 {
		t.Errorf("round trip %v", back.Roles)
	}
}
