// Package transport exposes the ledger over HTTP and JetStream.
package transport

import (
	"context"
	"log/slog"
	"net/http"

	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

type queueRequest struct{ Department, Status string }

type queueResponse struct {
	Department string             `json:"department,omitempty"`
	Status     string             `json:"status,omitempty"`
	Count      int                `json:"count"`
	Items      []ledger.QueueItem `json:"items"`
}

// Routes mounts the ledger's API on mux.
func Routes(mux *http.ServeMux, svc ledger.Service, cat *catalog.Catalog, log *slog.Logger) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}

	mux.Handle("GET /v1/projects/{code}", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Project(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("code"), nil },
		encodeOK, opts...))

	mux.Handle("GET /v1/items", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			q := req.(queueRequest)
			items, err := svc.Queue(ctx, q.Department, q.Status)
			if err != nil {
				return nil, err
			}
			if items == nil {
				items = []ledger.QueueItem{}
			}
			return queueResponse{Department: q.Department, Status: q.Status, Count: len(items), Items: items}, nil
		},
		func(_ context.Context, r *http.Request) (any, error) {
			return queueRequest{Department: r.URL.Query().Get("department"), Status: r.URL.Query().Get("status")}, nil
		},
		encodeOK, opts...))

	mux.HandleFunc("GET /v1/catalog", func(w http.ResponseWriter, _ *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, cat)
	})
}

func encodeOK(_ context.Context, w http.ResponseWriter, resp any) error {
	httpx.WriteJSON(w, http.StatusOK, resp)
	return nil
}
