package transport

import (
	"context"
	"net/http"

	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

type officerBody struct {
	Officer string `json:"officer"`
	Actor   string `json:"actor"`
	Note    string `json:"note"`
	Version *int64 `json:"version"`
}

type officerRequest struct {
	Code string
	A    ledger.OfficerAssignment
}

type taskActionBody struct {
	Action       string `json:"action"`
	Actor        string `json:"actor"`
	Note         string `json:"note"`
	Satisfaction int    `json:"satisfaction"`
	Comment      string `json:"comment"`
	Version      *int64 `json:"version"`
}

type taskActionRequest struct {
	Code, ID string
	A        ledger.TaskAction
}

type tasksResponse struct {
	Count int               `json:"count"`
	Tasks []ledger.TaskView `json:"tasks"`
}

// officerRoutes mounts officer assignment, officer tasks and the monthly
// statistics.
// officerService is what the officer's and the leaders' routes use.
type officerService interface {
	ledger.Tasks
	ledger.Reports
}

func officerRoutes(mux *http.ServeMux, svc officerService, opts []kithttp.ServerOption, deptName func(string) string, officerName func(string) string) {
	mux.Handle("PUT /v1/projects/{code}/officer", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			r := req.(officerRequest)
			return svc.AssignOfficer(ctx, r.Code, r.A)
		},
		func(_ context.Context, r *http.Request) (any, error) {
			var b officerBody
			if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
				return nil, err
			}
			v, err := requireVersion(b.Version)
			if err != nil {
				return nil, err
			}
			return officerRequest{Code: r.PathValue("code"), A: ledger.OfficerAssignment{
				Officer: b.Officer, Actor: b.Actor, Note: b.Note, Version: v}}, nil
		},
		httpx.EncodeJSON, opts...))

	mux.Handle("GET /v1/tasks", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			q := req.([2]string)
			ts, err := svc.Tasks(ctx, q[0], q[1])
			if err != nil {
				return nil, err
			}
			return tasksResponse{Count: len(ts), Tasks: ts}, nil
		},
		func(_ context.Context, r *http.Request) (any, error) {
			return [2]string{r.URL.Query().Get("officer"), r.URL.Query().Get("status")}, nil
		},
		httpx.EncodeJSON, opts...))

	mux.Handle("POST /v1/projects/{code}/tasks/{id}/actions", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			r := req.(taskActionRequest)
			return svc.ActOnTask(ctx, r.Code, r.ID, r.A)
		},
		func(_ context.Context, r *http.Request) (any, error) {
			var b taskActionBody
			if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
				return nil, err
			}
			v, err := requireVersion(b.Version)
			if err != nil {
				return nil, err
			}
			return taskActionRequest{Code: r.PathValue("code"), ID: r.PathValue("id"), A: ledger.TaskAction{
				Action: b.Action, Actor: b.Actor, Note: b.Note, Satisfaction: b.Satisfaction, Comment: b.Comment, Version: v}}, nil
		},
		httpx.EncodeJSON, opts...))

	lifecycleRoutes(mux, svc, opts)

	mux.Handle("GET /v1/snapshots/weekly", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			q := req.([3]string)
			return svc.Weekly(ctx, q[0], ledger.ProjectFilter{WorkGroup: q[1], Category: q[2]})
		},
		func(_ context.Context, r *http.Request) (any, error) {
			v := r.URL.Query()
			return [3]string{v.Get("week_of"), v.Get("work_group"), v.Get("category")}, nil
		},
		httpx.EncodeJSON, opts...))

	decodeMonth := func(_ context.Context, r *http.Request) (any, error) { return r.URL.Query().Get("month"), nil }
	mux.Handle("GET /v1/stats/monthly", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Monthly(ctx, req.(string)) },
		decodeMonth, httpx.EncodeJSON, opts...))
	mux.Handle("GET /v1/stats/monthly.xlsx", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			st, err := svc.Monthly(ctx, req.(string))
			if err != nil {
				return nil, err
			}
			b, err := StatsXLSX(st, deptName, officerName)
			return xlsxFile(b), err
		},
		decodeMonth, encodeXLSX, opts...))
}
