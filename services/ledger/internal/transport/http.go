// Package transport exposes the ledger over HTTP and JetStream.
package transport

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-kit/kit/endpoint"
	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

type queueResponse struct {
	Department string             `json:"department,omitempty"`
	Status     string             `json:"status,omitempty"`
	Sort       string             `json:"sort"`
	Total      int                `json:"total"`
	Limit      int                `json:"limit"`
	Offset     int                `json:"offset"`
	Count      int                `json:"count"`
	Items      []ledger.QueueItem `json:"items"`
}

// actionBody is the JSON of POST /v1/items/{id}/actions.
type actionBody struct {
	Action  string `json:"action"`
	Note    string `json:"note"`
	Actor   string `json:"actor"`
	Version *int64 `json:"version"`
	// 容缺受理 (with accept)
	MissingMaterials []string `json:"missing_materials"`
	SupplementDays   int      `json:"supplement_days"`
	// 告知承诺 (with approve) and its follow-up check (verify)
	Commitment  string `json:"commitment"`
	CheckDays   int    `json:"check_days"`
	CheckResult string `json:"check_result"`
}

type actionRequest struct {
	ItemID string
	Req    ledger.ActionRequest
}

type problemBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Department  string `json:"department"`
	ItemID      string `json:"item_id"`
	Escalation  string `json:"escalation"`
	Actor       string `json:"actor"`
	Version     *int64 `json:"version"`
}

type raiseRequest struct {
	Code string
	New  ledger.NewProblem
}

type problemUpdateBody struct {
	Status     string `json:"status"`
	Escalation string `json:"escalation"`
	Measure    string `json:"measure"`
	Note       string `json:"note"`
	Actor      string `json:"actor"`
	Version    *int64 `json:"version"`
}

type problemUpdateRequest struct {
	ID     string
	Update ledger.ProblemUpdate
}

func requireVersion(v *int64) (int64, error) {
	if v == nil {
		return 0, apperr.Invalid("version", "version_required",
			"version is required: the ledger version you read (GET /v1/projects/{code})")
	}
	return *v, nil
}

type codeRequest struct{ Code string }

// Routes mounts the ledger's API on mux.
func Routes(mux *http.ServeMux, uc UseCases, cat *catalog.Catalog, o *org.Org, log *slog.Logger) {
	route := router(mux, log)
	route("GET /v1/catalog", signedIn, makeCatalogEndpoint(cat), decodeNothing, httpx.EncodeJSON)
	route("GET /v1/projects/{code}", projectReaders, makeProjectLedgerEndpoint(uc.Forecasts), decodeCode, httpx.EncodeJSON)
	route("GET /v1/projects/{code}/status", projectReaders, makeProjectStatusEndpoint(uc.Items), decodeCode, httpx.EncodeJSON)
	route("GET /v1/projects/{code}/forecast", projectReaders, makeForecastEndpoint(uc.Forecasts), decodeCode, httpx.EncodeJSON)
	route("GET /v1/items", queueReaders, makeQueueEndpoint(uc.Items), decodeQueue, httpx.EncodeJSON)
	route("POST /v1/items/{id}/actions", itemActors, makeActEndpoint(uc.Items), decodeAction, httpx.EncodeJSON)
	route("POST /v1/projects/{code}/problems", problemRaisers, makeRaiseProblemEndpoint(uc.Problems), decodeRaise, httpx.EncodeJSONStatus(http.StatusCreated))
	route("POST /v1/problems/{id}/updates", problemUpdaters, makeUpdateProblemEndpoint(uc.Problems), decodeProblemUpdate, httpx.EncodeJSON)
	route("GET /v1/ledger.xlsx", reportReaders, makeLedgerXLSXEndpoint(exporter{uc.Reports, uc.Forecasts}, o), decodeExport(o), encodeXLSX)
	deptName := func(code string) string {
		if d, ok := o.Department(code); ok {
			return d.Name
		}
		return code
	}
	briefingRoutes(route, uc.Briefings, deptName)
	officerRoutes(route, uc.Tasks, uc.Reports, deptName, func(code string) string {
		if of, ok := o.Officer(code); ok {
			return of.Name
		}
		return code
	})
}

// routeFunc mounts a route that the roles may call.
type routeFunc func(pattern string, roles []auth.Role, ep endpoint.Endpoint, dec kithttp.DecodeRequestFunc, enc kithttp.EncodeResponseFunc)

func router(mux *http.ServeMux, log *slog.Logger) routeFunc {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}
	return func(pattern string, roles []auth.Role, ep endpoint.Endpoint, dec kithttp.DecodeRequestFunc, enc kithttp.EncodeResponseFunc) {
		mux.Handle(pattern, kithttp.NewServer(auth.Allow(roles...)(ep), dec, enc, opts...))
	}
}

func makeCatalogEndpoint(cat *catalog.Catalog) endpoint.Endpoint {
	return func(context.Context, any) (any, error) { return cat, nil }
}

func decodeNothing(context.Context, *http.Request) (any, error) { return nil, nil }

func makeProjectLedgerEndpoint(svc ledger.Forecasts) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) { return svc.ProjectLedger(ctx, req.(codeRequest).Code) }
}

func makeProjectStatusEndpoint(svc ledger.Items) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) { return svc.ProjectStatus(ctx, req.(codeRequest).Code) }
}

func makeForecastEndpoint(svc ledger.Forecasts) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) { return svc.Forecast(ctx, req.(codeRequest).Code) }
}

func makeQueueEndpoint(svc ledger.Items) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		q := req.(ledger.QueueQuery)
		page, err := svc.Queue(ctx, q)
		if err != nil {
			return nil, err
		}
		if q.Sort == "" {
			q.Sort = ledger.SortAssigned
		}
		if q.Limit == 0 {
			q.Limit = ledger.DefaultLimit
		}
		return queueResponse{Department: page.Department, Status: q.Status, Sort: q.Sort, Total: page.Total,
			Limit: q.Limit, Offset: q.Offset, Count: len(page.Items), Items: page.Items}, nil
	}
}

func makeActEndpoint(svc ledger.Items) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		a := req.(actionRequest)
		return svc.Act(ctx, a.ItemID, a.Req)
	}
}

func makeRaiseProblemEndpoint(svc ledger.Problems) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(raiseRequest)
		return svc.RaiseProblem(ctx, r.Code, r.New)
	}
}

func makeUpdateProblemEndpoint(svc ledger.Problems) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(problemUpdateRequest)
		return svc.UpdateProblem(ctx, r.ID, r.Update)
	}
}

func makeLedgerXLSXEndpoint(svc ledgerExporter, o *org.Org) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) { return ledgerXLSX(ctx, svc, o, req.(exportFilter)) }
}

func decodeCode(_ context.Context, r *http.Request) (any, error) {
	return codeRequest{Code: r.PathValue("code")}, nil
}

func decodeQueue(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	q := ledger.QueueQuery{Department: v.Get("department"), Status: v.Get("status"), Sort: v.Get("sort")}
	var err error
	if q.Limit, err = intParam(v.Get("limit"), "limit"); err != nil {
		return nil, err
	}
	if q.Offset, err = intParam(v.Get("offset"), "offset"); err != nil {
		return nil, err
	}
	return q, nil
}

func intParam(s, name string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, apperr.Invalid(name, "invalid_"+name, name+" must be a whole number")
	}
	return n, nil
}

func decodeAction(_ context.Context, r *http.Request) (any, error) {
	var b actionBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	v, err := requireVersion(b.Version)
	if err != nil {
		return nil, err
	}
	return actionRequest{ItemID: r.PathValue("id"), Req: ledger.ActionRequest{
		Action: ledger.Action(b.Action), Note: b.Note, Actor: b.Actor, Version: v,
		MissingMaterials: b.MissingMaterials, SupplementDays: b.SupplementDays,
		Commitment: b.Commitment, CheckDays: b.CheckDays, CheckResult: b.CheckResult,
	}}, nil
}

func decodeRaise(_ context.Context, r *http.Request) (any, error) {
	var b problemBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	v, err := requireVersion(b.Version)
	if err != nil {
		return nil, err
	}
	return raiseRequest{Code: r.PathValue("code"), New: ledger.NewProblem{
		Title: b.Title, Description: b.Description, Department: b.Department, ItemID: b.ItemID,
		Escalation: b.Escalation, Actor: b.Actor, Version: v,
	}}, nil
}

func decodeProblemUpdate(_ context.Context, r *http.Request) (any, error) {
	var b problemUpdateBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	v, err := requireVersion(b.Version)
	if err != nil {
		return nil, err
	}
	return problemUpdateRequest{ID: r.PathValue("id"), Update: ledger.ProblemUpdate{
		Status: ledger.ProblemStatus(b.Status), Escalation: b.Escalation, Measure: b.Measure,
		Note: b.Note, Actor: b.Actor, Version: v,
	}}, nil
}
