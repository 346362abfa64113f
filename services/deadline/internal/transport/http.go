// Package transport exposes the clock over HTTP and JetStream.
package transport

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

type listRequest struct{ Department, Level string }

type listResponse struct {
	Count     int                 `json:"count"`
	Deadlines []deadline.Deadline `json:"deadlines"`
}

// Provisional in the calendar's answers: the range runs into a year without
// official data, counted on weekends only there.
type workdaysResponse struct {
	From        string `json:"from"`
	To          string `json:"to"`
	WorkingDays int    `json:"working_days"`
	Provisional bool   `json:"provisional"`
}

type addResponse struct {
	Date        string `json:"date"`
	Days        int    `json:"days"`
	Result      string `json:"result"`
	Provisional bool   `json:"provisional"`
}

// Routes mounts the clock's API on mux.
func Routes(mux *http.ServeMux, svc deadline.Service, log *slog.Logger) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}

	mux.Handle("GET /v1/deadlines", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			r := req.(listRequest)
			ds, err := svc.List(ctx, r.Department, r.Level)
			return listResponse{Count: len(ds), Deadlines: ds}, err
		},
		func(_ context.Context, r *http.Request) (any, error) {
			return listRequest{Department: r.URL.Query().Get("department"), Level: r.URL.Query().Get("level")}, nil
		}, httpx.EncodeJSON, opts...))

	mux.Handle("GET /v1/deadlines/{id}", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Get(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("id"), nil },
		httpx.EncodeJSON, opts...))

	mux.Handle("GET /v1/calendar/workdays", kithttp.NewServer(
		func(_ context.Context, req any) (any, error) {
			r := req.([2]time.Time)
			if r[1].Before(r[0]) {
				return nil, apperr.Invalid("to", "invalid_range", "to must not be before from")
			}
			if r[1].Sub(r[0]) > 10*366*24*time.Hour {
				return nil, apperr.Invalid("to", "invalid_range", "the range may span at most ten years")
			}
			return workdaysResponse{From: r[0].Format(time.DateOnly), To: r[1].Format(time.DateOnly),
				WorkingDays: workday.Count(svc.Calendar(), r[0], r[1]),
				Provisional: len(workday.ProvisionalYears(svc.Calendar(), r[0], r[1])) > 0}, nil
		},
		func(_ context.Context, r *http.Request) (any, error) {
			from, err := dateParam(r, "from")
			if err != nil {
				return nil, err
			}
			to, err := dateParam(r, "to")
			return [2]time.Time{from, to}, err
		}, httpx.EncodeJSON, opts...))

	mux.Handle("GET /v1/calendar/add", kithttp.NewServer(
		func(_ context.Context, req any) (any, error) {
			r := req.(addResponse)
			d, _ := time.ParseInLocation(time.DateOnly, r.Date, workday.Zone)
			result := workday.Add(svc.Calendar(), d, r.Days)
			r.Result = result.Format(time.DateOnly)
			r.Provisional = len(workday.ProvisionalYears(svc.Calendar(), d, result)) > 0
			return r, nil
		},
		func(_ context.Context, r *http.Request) (any, error) {
			d, err := dateParam(r, "date")
			if err != nil {
				return nil, err
			}
			n, err := strconv.Atoi(r.URL.Query().Get("days"))
			if err != nil || n < -3650 || n > 3650 {
				return nil, apperr.Invalid("days", "invalid_days",
					"days must be a whole number from -3650 to 3650 (negative counts back)")
			}
			return addResponse{Date: d.Format(time.DateOnly), Days: n}, nil
		}, httpx.EncodeJSON, opts...))
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
