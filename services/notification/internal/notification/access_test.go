package notification

import (
	"context"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
)

// TestQueriesNeedAPrincipal: every query refuses a context without a
// principal (a route mounted without authentication fails closed) before
// it reads or writes anything: the service has no stores.
func TestQueriesNeedAPrincipal(t *testing.T) {
	s := NewService(Deps{})
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"inbox":           func() error { _, err := s.Inbox(ctx, InboxQuery{Recipient: "dept:zrzy", Limit: 10}); return err },
		"unread":          func() error { _, err := s.Unread(ctx, "dept:zrzy"); return err },
		"mark read":       func() error { _, err := s.MarkRead(ctx, "e1"); return err },
		"deliveries":      func() error { _, err := s.Deliveries(ctx, DeliveryQuery{Limit: 10}); return err },
		"delivery":        func() error { _, err := s.Delivery(ctx, "d1"); return err },
		"redeliver":       func() error { _, err := s.Redeliver(ctx, "d1"); return err },
		"preferences":     func() error { _, err := s.Preferences(ctx, "dept:zrzy"); return err },
		"set preferences": func() error { _, err := s.SetPreferences(ctx, DefaultPreferences("dept:zrzy")); return err },
	} {
		if err := call(); apperr.KindOf(err) != apperr.KindUnauthenticated {
			t.Errorf("%s without a principal: %v, want unauthenticated", name, err)
		}
	}
}

type projectsFake map[string]Project

func (f projectsFake) PutProject(_ context.Context, p Project) error { f[p.Code] = p; return nil }
func (f projectsFake) Project(_ context.Context, code string) (Project, error) {
	p, ok := f[code]
	if !ok {
		return Project{}, ErrNotFound
	}
	return p, nil
}

func TestRecipientAccess(t *testing.T) {
	const code = "2024-370481-04-01-123456"
	s := NewService(Deps{
		Projects: projectsFake{code: {Code: code, OwnerOrganisation: "示范智能装备有限公司"}},
		Names: Names{Officer: func(n string) (string, bool) {
			if n == "王芳" || n == "wangfang" {
				return "wangfang", true
			}
			return "", false
		}},
	})
	clerk := auth.Principal{Subject: "c", Roles: []auth.Role{auth.Clerk}, Department: "zrzy"}
	leader := auth.Principal{Subject: "l", Roles: []auth.Role{auth.Leader}, Department: "zrzy"}
	officer := auth.Principal{Subject: "wangfang", Name: "王芳", Roles: []auth.Role{auth.Officer}}
	owner := auth.Principal{Subject: "o", Roles: []auth.Role{auth.Owner}, Owner: "示范智能装备有限公司"}
	ops := auth.Principal{Subject: "ops", Roles: []auth.Role{auth.Operations}}
	super := auth.Principal{Subject: "duban", Roles: []auth.Role{auth.Supervisor}}
	for _, tt := range []struct {
		who            string
		p              auth.Principal
		recipient      string
		read, get, set bool // the inbox, the preferences, changing them
	}{
		{"clerk", clerk, "dept:zrzy", true, true, false},
		{"clerk", clerk, "dept:fgw", false, false, false},
		{"clerk", clerk, "leader:zrzy", false, false, false},
		{"leader", leader, "dept:zrzy", true, true, true},
		{"leader", leader, "leader:zrzy", true, true, true},
		{"leader", leader, "leader:fgw", false, false, false},
		{"officer by name", officer, "officer:wangfang", true, true, true},
		{"officer by name", officer, "officer:lijun", false, false, false},
		{"owner", owner, "owner:" + code, true, true, true},
		{"owner", owner, "owner:2024-370481-04-01-000000", false, false, false}, // unknown project
		{"operations", ops, "dept:zrzy", false, true, true},
		{"operations", ops, "owner:" + code, false, true, true},
		{"supervisor", super, "dept:zrzy", false, false, false},
	} {
		ctx := context.Background()
		check := func(what string, err error, want bool) {
			t.Helper()
			if want != (err == nil) || (!want && apperr.KindOf(err) != apperr.KindForbidden) {
				t.Errorf("%s %s %s: %v, want allowed %v", tt.who, what, tt.recipient, err, want)
			}
		}
		check("reading the inbox of", s.checkOwn(ctx, tt.p, tt.recipient), tt.read)
		check("reading the preferences of", s.checkReadPreferences(ctx, tt.p, tt.recipient), tt.get)
		check("changing the preferences of", s.checkSetPreferences(ctx, tt.p, tt.recipient), tt.set)
	}
}
