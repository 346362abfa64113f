package transport

import (
	"context"
	"net/http"

	"github.com/go-kit/kit/endpoint"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// progressBody is the JSON of POST /v1/projects/{code}/progress.
type progressBody struct {
	Stage         string `json:"stage"`
	ImageProgress string `json:"image_progress"`
	// OverrideReason lets a project start (开工) before its construction
	// permit is approved, and says why.
	OverrideReason string `json:"override_reason"`
	// PlannedStart is the planned start (计划开工), like 2027-03-01.
	PlannedStart string `json:"planned_start"`
	Actor        string `json:"actor"`
	Version      *int64 `json:"version"`
}

type progressRequest struct {
	Code string
	U    ledger.ProgressUpdate
}

// lifecycleRoutes mounts the project's stage and 形象进度.
func lifecycleRoutes(route routeFunc, svc ledger.Tasks) {
	route("POST /v1/projects/{code}/progress", progressUpdaters, makeUpdateProgressEndpoint(svc), decodeUpdateProgressRequest, httpx.EncodeJSON)
}

func makeUpdateProgressEndpoint(svc ledger.Tasks) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(progressRequest)
		return svc.UpdateProgress(ctx, r.Code, r.U)
	}
}

func decodeUpdateProgressRequest(_ context.Context, r *http.Request) (any, error) {
	var b progressBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	v, err := requireVersion(b.Version)
	if err != nil {
		return nil, err
	}
	return progressRequest{Code: r.PathValue("code"), U: ledger.ProgressUpdate{
		Stage: b.Stage, ImageProgress: b.ImageProgress, OverrideReason: b.OverrideReason, PlannedStart: b.PlannedStart,
		Actor: b.Actor, Version: v}}, nil
}
