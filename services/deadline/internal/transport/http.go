// Package transport exposes the clock over HTTP and JetStream.
package transport

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-kit/kit/endpoint"
	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

type listRequest struct{ Department, Level string }

type listResponse struct {
	Count     int                 `json:"count"`
	Deadlines []deadline.Deadline `json:"deadlines"`
}

type getRequest struct{ ID string }

type workdaysRequest struct{ From, To time.Time }

type addRequest struct {
	Date time.Time
	Days int
}

// Routes mounts the clock's API on mux. Every route needs a principal with
// a role that may call it (pkg/auth/ACCESS.md); the deadlines are read
// through deadline.ScopedReads, so a clerk or leader sees only their
// department's.
func Routes(mux *http.ServeMux, svc deadline.Service, log *slog.Logger) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}
	route := func(pattern string, ep endpoint.Endpoint, dec kithttp.DecodeRequestFunc) {
		mux.Handle(pattern, kithttp.NewServer(ep, dec, httpx.EncodeJSON, opts...))
	}
	reads := deadline.ScopedReads(svc)
	route("GET /v1/deadlines", auth.Allow(deadline.Readers...)(makeListEndpoint(reads)), decodeList)
	route("GET /v1/deadlines/{id}", auth.Allow(deadline.Readers...)(makeGetEndpoint(reads)), decodeGet)
	route("GET /v1/calendar/workdays", signedIn(makeWorkdaysEndpoint(svc)), decodeWorkdays)
	route("GET /v1/calendar/add", signedIn(makeAddEndpoint(svc)), decodeAdd)
}

func makeListEndpoint(svc deadline.Reads) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(listRequest)
		ds, err := svc.List(ctx, r.Department, r.Level)
		return listResponse{Count: len(ds), Deadlines: ds}, err
	}
}

func makeGetEndpoint(svc deadline.Reads) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) { return svc.Get(ctx, req.(getRequest).ID) }
}

func makeWorkdaysEndpoint(svc deadline.Service) endpoint.Endpoint {
	return func(_ context.Context, req any) (any, error) {
		r := req.(workdaysRequest)
		return deadline.CountWorkdays(svc.Calendar(), r.From, r.To)
	}
}

func makeAddEndpoint(svc deadline.Service) endpoint.Endpoint {
	return func(_ context.Context, req any) (any, error) {
		r := req.(addRequest)
		return deadline.AddWorkdays(svc.Calendar(), r.Date, r.Days)
	}
}

func decodeList(_ context.Context, r *http.Request) (any, error) {
	return listRequest{Department: r.URL.Query().Get("department"), Level: r.URL.Query().Get("level")}, nil
}

func decodeGet(_ context.Context, r *http.Request) (any, error) {
	return getRequest{ID: r.PathValue("id")}, nil
}

func decodeWorkdays(_ context.Context, r *http.Request) (any, error) {
	from, err := dateParam(r, "from")
	if err != nil {
		return nil, err
	}
	to, err := dateParam(r, "to")
	return workdaysRequest{From: from, To: to}, err
}

func decodeAdd(_ context.Context, r *http.Request) (any, error) {
	d, err := dateParam(r, "date")
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(r.URL.Query().Get("days"))
	if err != nil {
		return nil, deadline.DaysError()
	}
	return addRequest{Date: d, Days: n}, nil
}

// dateParam reads a YYYY-MM-DD query parameter in the calendar's zone.
func dateParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	d, err := time.ParseInLocation(time.DateOnly, v, workday.Zone)
	if err != nil {
		return time.Time{}, apperr.Invalid(name, "invalid_date", name+" must be a date like 2026-10-08")
	}
	return d, nil
}
