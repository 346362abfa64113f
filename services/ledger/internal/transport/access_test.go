package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// An API path that reaches the ledger without a principal (a server wired
// without its authenticator) is refused with 401 at every route, and every
// use case of the API refuses a context without one: none is taken for the
// system, whose consumers use their own use cases.
func TestNoPrincipalIsRefused(t *testing.T) {
	e := newEnv(t)
	in := e.start()
	e.open(in, code)
	mux := http.NewServeMux()
	Routes(mux, in.uc, e.cat, e.org, testenv.Logger())
	bare := httptest.NewServer(mux)
	t.Cleanup(bare.Close)
	before := e.snapshot()
	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/catalog"}, {"GET", "/v1/items"}, {"GET", "/v1/projects/" + code},
		{"GET", "/v1/projects/" + code + "/status"}, {"POST", "/v1/items/" + ledger.ItemID(code, "lixiang") + "/actions"},
		{"POST", "/v1/projects/" + code + "/problems"}, {"POST", "/v1/problems/" + code + ".p1/updates"},
		{"POST", "/v1/projects/" + code + "/progress"}, {"GET", "/v1/tasks"},
		{"POST", "/v1/projects/" + code + "/tasks/req-1/actions"}, {"PUT", "/v1/projects/" + code + "/officer"},
		{"GET", "/v1/ledger.xlsx"}, {"GET", "/v1/stats/monthly?month=2026-11"},
		{"GET", "/v1/stats/monthly.xlsx?month=2026-11"}, {"GET", "/v1/snapshots/weekly"},
	} {
		var eb errorBody
		var body any // a body every write's decoder takes
		if r.method != "GET" {
			body = map[string]any{"actor": "a", "version": 1}
		}
		if st := call(t, anonymous, r.method, bare.URL+r.path, jsonType, body, &eb); st != http.StatusUnauthorized || eb.Error.Code != "unauthenticated" {
			t.Errorf("%s %s without a principal: %d %+v, want 401", r.method, r.path, st, eb)
		}
	}
	if e.snapshot() != before {
		t.Fatal("a call without a principal changed the ledger")
	}

	ctx := context.Background()
	svc := in.svc
	for name, err := range map[string]error{
		"Project": func() error { _, err := svc.Project(ctx, code); return err }(),
		"Queue":   func() error { _, err := svc.Queue(ctx, ledger.QueueQuery{}); return err }(),
		"Act": func() error {
			_, err := svc.Act(ctx, ledger.ItemID(code, "lixiang"), ledger.ActionRequest{Action: ledger.ActAccept, Actor: "a", Version: 1})
			return err
		}(),
		"RaiseProblem": func() error {
			_, err := svc.RaiseProblem(ctx, code, ledger.NewProblem{Title: "t", Department: "zrzy", Actor: "a", Version: 1})
			return err
		}(),
		"UpdateProblem": func() error {
			_, err := svc.UpdateProblem(ctx, code+".p1", ledger.ProblemUpdate{Measure: "m", Actor: "a", Version: 1})
			return err
		}(),
		"UpdateProgress": func() error {
			_, err := svc.UpdateProgress(ctx, code, ledger.ProgressUpdate{ImageProgress: "x", Actor: "a", Version: 1})
			return err
		}(),
		"Tasks": func() error { _, err := svc.Tasks(ctx, "", ""); return err }(),
		"ActOnTask": func() error {
			_, err := svc.ActOnTask(ctx, code, "req-1", ledger.TaskAction{Action: "take", Actor: "a", Version: 1})
			return err
		}(),
	} {
		if !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("%s without a principal: %v, want unauthenticated", name, err)
		}
	}
	if e.snapshot() != before {
		t.Fatal("a use case without a principal changed the ledger")
	}
}
