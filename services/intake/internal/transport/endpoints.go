package transport

import (
	"context"

	"github.com/go-kit/kit/endpoint"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// Endpoints are intake's use cases as go-kit endpoints, one per route.
type Endpoints struct {
	RegisterProject endpoint.Endpoint
	ImportProjects  endpoint.Endpoint
	SubmitRequest   endpoint.Endpoint
	GetRequest      endpoint.Endpoint
	GetProject      endpoint.Endpoint
	ListProjects    endpoint.Endpoint
	ListRequests    endpoint.Endpoint
	RateRequest     endpoint.Endpoint
}

// UseCases are intake's use cases as the routes and consumers take them.
type UseCases struct {
	Projects intake.Projects
	Requests intake.Requests
}

// UseCasesOf is every use case of svc.
func UseCasesOf(svc *intake.Service) UseCases { return UseCases{Projects: svc, Requests: svc} }

// MakeEndpoints binds the endpoints to svc, each behind the roles that may
// call its route (pkg/auth/ACCESS.md); which project a caller may act on
// is checked by svc, where the project is known.
func MakeEndpoints(uc UseCases) Endpoints {
	readers := auth.Allow(auth.Owner, auth.Officer, auth.Clerk, auth.Leader, auth.Supervisor, auth.Secretary)
	requestReaders := auth.Allow(auth.Owner, auth.Officer, auth.Supervisor)
	return Endpoints{
		RegisterProject: auth.Allow(auth.Owner, auth.Officer, auth.Supervisor)(makeRegisterProjectEndpoint(uc.Projects)),
		ImportProjects:  auth.Allow(importRoles...)(makeImportProjectsEndpoint(uc.Projects)),
		SubmitRequest:   auth.Allow(auth.Owner, auth.Officer)(makeSubmitRequestEndpoint(uc.Requests)),
		GetRequest:      requestReaders(makeGetRequestEndpoint(uc.Requests)),
		GetProject:      readers(makeGetProjectEndpoint(uc.Projects)),
		ListProjects:    readers(makeListProjectsEndpoint(uc.Projects)),
		ListRequests:    requestReaders(makeListRequestsEndpoint(uc.Requests)),
		RateRequest:     auth.Allow(auth.Owner)(makeRateRequestEndpoint(uc.Requests)),
	}
}

// importRoles may import a project list.
var importRoles = []auth.Role{auth.Officer, auth.Supervisor}

type submitRequest struct {
	Request        intake.Request
	IdempotencyKey string
}

type submitResponse struct {
	Request  intake.Request
	Replayed bool
}

type getRequestRequest struct{ ID string }

type registerResponse struct {
	Project  intake.Project
	Replayed bool
}

func makeRegisterProjectEndpoint(svc intake.Projects) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		p, replayed, err := svc.RegisterProject(ctx, req.(intake.Project))
		return registerResponse{Project: p, Replayed: replayed}, err
	}
}

func makeImportProjectsEndpoint(svc intake.Projects) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(importRequest)
		res, replayed, err := svc.ImportProjects(ctx, r.Rows, r.Key)
		return importResponse{Result: res, Replayed: replayed}, err
	}
}

func makeSubmitRequestEndpoint(svc intake.Requests) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		sr := req.(submitRequest)
		r, replayed, err := svc.SubmitRequest(ctx, sr.Request, sr.IdempotencyKey)
		return submitResponse{Request: r, Replayed: replayed}, err
	}
}

func makeGetRequestEndpoint(svc intake.Requests) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.GetRequest(ctx, req.(getRequestRequest).ID)
	}
}

type getProjectRequest struct{ Code string }

func makeGetProjectEndpoint(svc intake.Projects) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.GetProject(ctx, req.(getProjectRequest).Code)
	}
}

func makeListProjectsEndpoint(svc intake.Projects) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.ListProjects(ctx, req.(intake.ProjectQuery))
	}
}

func makeListRequestsEndpoint(svc intake.Requests) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.ListRequests(ctx, req.(intake.RequestQuery))
	}
}

type rateRequest struct {
	ID     string
	Rating intake.Rating
}

func makeRateRequestEndpoint(svc intake.Requests) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(rateRequest)
		return svc.RateRequest(ctx, r.ID, r.Rating)
	}
}
