package deadline_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// fakeReads holds one zrzy deadline and records the department asked for.
type fakeReads struct{ listed *string }

func (f fakeReads) Get(_ context.Context, id string) (deadline.Deadline, error) {
	if id != "item:z" {
		return deadline.Deadline{}, apperr.NotFound("deadline_not_found", "no deadline "+id)
	}
	return deadline.Deadline{ID: id, Department: "zrzy"}, nil
}

func (f fakeReads) List(_ context.Context, department, _ string) ([]deadline.Deadline, error) {
	*f.listed = department
	return nil, nil
}

// ScopedReads refuses a call without a principal (the API never reads
// unauthenticated, whatever the router in front does), forces a clerk's or
// leader's list to their department and refuses another department's.
func TestScopedReads(t *testing.T) {
	var listed string
	r := deadline.ScopedReads(fakeReads{&listed})
	as := func(p auth.Principal) context.Context { return auth.NewContext(context.Background(), p) }
	status := func(err error) int {
		if err == nil {
			return http.StatusOK
		}
		return httpx.StatusOf(err)
	}

	if _, err := r.Get(context.Background(), "item:z"); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("get without a principal: %v", err)
	}
	if _, err := r.List(context.Background(), "zrzy", ""); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("list without a principal: %v", err)
	}
	for _, tt := range []struct {
		name       string
		p          auth.Principal
		id         string
		get        int
		dept       string
		list       int
		listedDept string
	}{
		{"clerk of the department", testenv.Clerk("zrzy"), "item:z", 200, "", 200, "zrzy"},
		{"leader naming it", testenv.Leader("zrzy"), "item:z", 200, " zrzy ", 200, "zrzy"},
		{"clerk of another", testenv.Clerk("fgw"), "item:z", 403, "zrzy", 403, ""},
		{"clerk of another, own list", testenv.Clerk("fgw"), "item:nope", 404, "", 200, "fgw"},
		{"clerk without department", testenv.Clerk(""), "item:z", 403, "", 403, ""},
		{"officer", testenv.Officer("wangfang"), "item:z", 200, "", 200, ""},
		{"supervisor", testenv.AsSupervisor, "item:z", 200, "fgw", 200, "fgw"},
		{"secretary", testenv.AsSecretary, "item:z", 200, "", 200, ""},
		{"owner", testenv.OwnerOf("zhineng"), "item:z", 403, "", 403, ""},
		{"operations", testenv.AsOperations, "item:z", 403, "", 403, ""},
		{"no role", auth.Principal{Subject: "x", Department: "zrzy"}, "item:z", 403, "", 403, ""},
	} {
		listed = "unasked"
		_, err := r.Get(as(tt.p), tt.id)
		if got := status(err); got != tt.get {
			t.Errorf("%s: get %d (%v), want %d", tt.name, got, err, tt.get)
		}
		_, err = r.List(as(tt.p), tt.dept, "")
		if got := status(err); got != tt.list {
			t.Errorf("%s: list %d (%v), want %d", tt.name, got, err, tt.list)
		}
		if want := tt.listedDept; tt.list == 200 && listed != want && !(want == "" && listed == tt.dept) {
			t.Errorf("%s: listed department %q, want %q", tt.name, listed, want)
		}
		if tt.list != 200 && listed != "unasked" {
			t.Errorf("%s: a refused list reached the store (%q)", tt.name, listed)
		}
	}
}
