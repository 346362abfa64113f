// Package transport exposes intake over HTTP (go-kit endpoints).
package transport

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/go-kit/kit/endpoint"
	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

type submitRequest struct {
	Request        intake.Request
	IdempotencyKey string
}

type submitResponse struct {
	Request  intake.Request
	Replayed bool
}

// requestBody is what a caller may send; server-set fields are refused.
type requestBody struct {
	ProjectCode string `json:"project_code"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Contact     string `json:"contact"`
	Phone       string `json:"phone"`
}

// Routes mounts intake's API on mux.
func Routes(mux *http.ServeMux, svc intake.Service, log *slog.Logger) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}

	mux.Handle("POST /v1/projects", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			return svc.RegisterProject(ctx, req.(intake.Project))
		},
		func(_ context.Context, r *http.Request) (any, error) {
			var p intake.Project
			return p, httpx.DecodeJSON(r, &p, httpx.DefaultMaxBody)
		},
		encodeStatus(http.StatusCreated), opts...))

	mux.Handle("POST /v1/projects:import", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			return svc.ImportProjects(ctx, req.([]intake.ImportRow))
		},
		decodeImport, encodeStatus(http.StatusOK), opts...))

	mux.Handle("POST /v1/requests", kithttp.NewServer(
		endpoint.Endpoint(func(ctx context.Context, req any) (any, error) {
			sr := req.(submitRequest)
			r, replayed, err := svc.SubmitRequest(ctx, sr.Request, sr.IdempotencyKey)
			return submitResponse{Request: r, Replayed: replayed}, err
		}),
		func(_ context.Context, r *http.Request) (any, error) {
			var b requestBody
			if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
				return nil, err
			}
			return submitRequest{
				Request: intake.Request{ProjectCode: b.ProjectCode, Kind: b.Kind, Title: b.Title,
					Description: b.Description, Contact: b.Contact, Phone: b.Phone},
				IdempotencyKey: r.Header.Get("Idempotency-Key"),
			}, nil
		},
		func(_ context.Context, w http.ResponseWriter, resp any) error {
			sr := resp.(submitResponse)
			status := http.StatusCreated
			if sr.Replayed {
				// A retry: same answer as the first time, marked as a replay.
				w.Header().Set("Idempotent-Replayed", "true")
				status = http.StatusOK
			}
			w.Header().Set("Location", "/v1/requests/"+sr.Request.ID)
			httpx.WriteJSON(w, status, sr.Request)
			return nil
		}, opts...))

	mux.Handle("GET /v1/requests/{id}", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.GetRequest(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("id"), nil },
		encodeStatus(http.StatusOK), opts...))
}

func encodeStatus(status int) kithttp.EncodeResponseFunc {
	return func(_ context.Context, w http.ResponseWriter, resp any) error {
		httpx.WriteJSON(w, status, resp)
		return nil
	}
}
