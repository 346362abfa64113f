package transport

import (
	"context"
	"net/http"

	"github.com/go-kit/kit/endpoint"

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

type tasksRequest struct{ Officer, Status string }

type weeklyRequest struct {
	WeekOf string
	Filter ledger.ProjectFilter
}

type monthRequest struct{ Month string }

// officerRoutes mounts officer assignment, the officers' tasks, the
// project's progress and the weekly and monthly figures.
func officerRoutes(route routeFunc, tasks ledger.Tasks, reports ledger.Reports, deptName func(string) string, officerName func(string) string) {
	route("PUT /v1/projects/{code}/officer", officerAssigners, makeAssignOfficerEndpoint(tasks), decodeAssignOfficer, httpx.EncodeJSON)
	route("GET /v1/tasks", taskReaders, makeTasksEndpoint(tasks), decodeTasks, httpx.EncodeJSON)
	route("POST /v1/projects/{code}/tasks/{id}/actions", taskActors, makeActOnTaskEndpoint(tasks), decodeTaskAction, httpx.EncodeJSON)
	lifecycleRoutes(route, tasks)
	route("GET /v1/snapshots/weekly", reportReaders, makeWeeklyEndpoint(reports), decodeWeekly, httpx.EncodeJSON)
	route("GET /v1/stats/monthly", reportReaders, makeMonthlyEndpoint(reports), decodeMonth, httpx.EncodeJSON)
	route("GET /v1/stats/monthly.xlsx", reportReaders, makeMonthlyXLSXEndpoint(reports, deptName, officerName), decodeMonth, encodeXLSX)
}

func makeAssignOfficerEndpoint(svc ledger.Tasks) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(officerRequest)
		return svc.AssignOfficer(ctx, r.Code, r.A)
	}
}

func makeTasksEndpoint(svc ledger.Tasks) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		q := req.(tasksRequest)
		ts, err := svc.Tasks(ctx, q.Officer, q.Status)
		if err != nil {
			return nil, err
		}
		return tasksResponse{Count: len(ts), Tasks: ts}, nil
	}
}

func makeActOnTaskEndpoint(svc ledger.Tasks) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(taskActionRequest)
		return svc.ActOnTask(ctx, r.Code, r.ID, r.A)
	}
}

func makeWeeklyEndpoint(svc ledger.Reports) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		q := req.(weeklyRequest)
		return svc.Weekly(ctx, q.WeekOf, q.Filter)
	}
}

func makeMonthlyEndpoint(svc ledger.Reports) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) { return svc.Monthly(ctx, req.(monthRequest).Month) }
}

func makeMonthlyXLSXEndpoint(svc ledger.Reports, deptName, officerName func(string) string) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		st, err := svc.Monthly(ctx, req.(monthRequest).Month)
		if err != nil {
			return nil, err
		}
		b, err := StatsXLSX(st, deptName, officerName)
		return xlsxFile(b), err
	}
}

func decodeAssignOfficer(_ context.Context, r *http.Request) (any, error) {
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
}

func decodeTasks(_ context.Context, r *http.Request) (any, error) {
	return tasksRequest{Officer: r.URL.Query().Get("officer"), Status: r.URL.Query().Get("status")}, nil
}

func decodeTaskAction(_ context.Context, r *http.Request) (any, error) {
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
}

func decodeWeekly(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	return weeklyRequest{WeekOf: v.Get("week_of"),
		Filter: ledger.ProjectFilter{WorkGroup: v.Get("work_group"), Category: v.Get("category")}}, nil
}

func decodeMonth(_ context.Context, r *http.Request) (any, error) {
	return monthRequest{Month: r.URL.Query().Get("month")}, nil
}
