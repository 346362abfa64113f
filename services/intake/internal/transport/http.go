// Package transport exposes intake over HTTP (go-kit endpoints).
package transport

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// requestBody is what a caller may send; server-set fields are refused.
type requestBody struct {
	ProjectCode string `json:"project_code"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Contact     string `json:"contact"`
	Phone       string `json:"phone"`
}

// projectBody is what a caller may send to register a project; the
// registration time is the service's.
type projectBody struct {
	Code              string  `json:"code"`
	Name              string  `json:"name"`
	Category          string  `json:"category"`
	Level             string  `json:"level"`
	OwnerOrganisation string  `json:"owner_organisation"`
	OwnerContact      string  `json:"owner_contact"`
	OwnerPhone        string  `json:"owner_phone"`
	Location          string  `json:"location"`
	InvestmentWan     float64 `json:"investment_wan"`
	Stage             string  `json:"stage"`
	Officer           string  `json:"officer"`
	WorkGroup         string  `json:"work_group"`
	GreenChannel      bool    `json:"green_channel"`
	// PlannedStart is the planned start (计划开工), 2027-03-01.
	PlannedStart string `json:"planned_start"`
}

// Routes mounts intake's API on mux.
func Routes(mux *http.ServeMux, uc UseCases, log *slog.Logger) {
	e := MakeEndpoints(uc)
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}
	mux.Handle("POST /v1/projects", kithttp.NewServer(e.RegisterProject, decodeRegisterProject,
		encodeRegisterResponse, opts...))
	mux.Handle("POST /v1/projects:import", kithttp.NewServer(e.ImportProjects, decodeImport, encodeImportResponse, opts...))
	mux.Handle("POST /v1/requests", kithttp.NewServer(e.SubmitRequest, decodeSubmitRequest, encodeSubmitResponse, opts...))
	mux.Handle("GET /v1/requests", kithttp.NewServer(e.ListRequests, decodeListRequests, httpx.EncodeJSON, opts...))
	mux.Handle("GET /v1/requests/{id}", kithttp.NewServer(e.GetRequest, decodeGetRequest, httpx.EncodeJSON, opts...))
	mux.Handle("POST /v1/requests/{id}/rating", kithttp.NewServer(e.RateRequest, decodeRateRequest, httpx.EncodeJSON, opts...))
	mux.Handle("GET /v1/projects", kithttp.NewServer(e.ListProjects, decodeListProjects, httpx.EncodeJSON, opts...))
	mux.Handle("GET /v1/projects/{code}", kithttp.NewServer(e.GetProject, decodeGetProject, httpx.EncodeJSON, opts...))
}

func decodeRegisterProject(_ context.Context, r *http.Request) (any, error) {
	var b projectBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	return intake.Project{Code: b.Code, Name: b.Name, Category: b.Category, Level: b.Level,
		OwnerOrganisation: b.OwnerOrganisation, OwnerContact: b.OwnerContact, OwnerPhone: b.OwnerPhone,
		Location: b.Location, InvestmentWan: b.InvestmentWan, Stage: b.Stage, Officer: b.Officer,
		WorkGroup: b.WorkGroup, GreenChannel: b.GreenChannel, PlannedStart: b.PlannedStart}, nil
}

// encodeRegisterResponse answers 201, or 200 marked as a replay to a retry
// of a registration that landed.
func encodeRegisterResponse(_ context.Context, w http.ResponseWriter, resp any) error {
	rr := resp.(registerResponse)
	httpx.WriteJSON(w, replayStatus(w, rr.Replayed), rr.Project)
	return nil
}

// replayStatus is 201 for a write that happened now and 200 with
// Idempotent-Replayed for the same answer to a retry.
func replayStatus(w http.ResponseWriter, replayed bool) int {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
		return http.StatusOK
	}
	return http.StatusCreated
}

func decodeSubmitRequest(_ context.Context, r *http.Request) (any, error) {
	var b requestBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	return submitRequest{
		Request: intake.Request{ProjectCode: b.ProjectCode, Kind: b.Kind, Title: b.Title,
			Description: b.Description, Contact: b.Contact, Phone: b.Phone},
		IdempotencyKey: r.Header.Get("Idempotency-Key"),
	}, nil
}

// encodeSubmitResponse answers 201 with the request's location, or 200
// marked as a replay to a retry: the same answer as the first time.
func encodeSubmitResponse(_ context.Context, w http.ResponseWriter, resp any) error {
	sr := resp.(submitResponse)
	status := replayStatus(w, sr.Replayed)
	w.Header().Set("Location", "/v1/requests/"+sr.Request.ID)
	httpx.WriteJSON(w, status, sr.Request)
	return nil
}

func decodeGetRequest(_ context.Context, r *http.Request) (any, error) {
	return getRequestRequest{ID: r.PathValue("id")}, nil
}

func decodeGetProject(_ context.Context, r *http.Request) (any, error) {
	return getProjectRequest{Code: r.PathValue("code")}, nil
}

// decodeListProjects reads ?owner=&officer=&stage=&work_group=&limit=&offset=;
// an absent limit is the default page.
func decodeListProjects(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	q := intake.ProjectQuery{Owner: v.Get("owner"), Officer: v.Get("officer"), Stage: v.Get("stage"),
		WorkGroup: v.Get("work_group"), Limit: intake.DefaultProjectLimit}
	return q, decodePage(v, &q.Limit, &q.Offset)
}

// decodeListRequests reads ?project=&status=&limit=&offset=; an absent
// limit is the default page.
func decodeListRequests(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	q := intake.RequestQuery{Project: v.Get("project"), Status: v.Get("status"), Limit: intake.DefaultRequestLimit}
	return q, decodePage(v, &q.Limit, &q.Offset)
}

// decodePage reads limit and offset when given.
func decodePage(v url.Values, limit, offset *int) error {
	for _, p := range []struct {
		name string
		dst  *int
	}{{"limit", limit}, {"offset", offset}} {
		if s := v.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return apperr.Invalid(p.name, "invalid_"+p.name, p.name+" must be a whole number")
			}
			*p.dst = n
		}
	}
	return nil
}

// ratingBody is the owner's rating: a score of 1 to 5 and a comment.
type ratingBody struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

func decodeRateRequest(_ context.Context, r *http.Request) (any, error) {
	var b ratingBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	return rateRequest{ID: r.PathValue("id"), Rating: intake.Rating{Score: b.Score, Comment: b.Comment}}, nil
}
