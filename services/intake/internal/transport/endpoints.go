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
}

// MakeEndpoints binds the endpoints to svc, each behind the roles that may
// call its route (pkg/auth/ACCESS.md); which project a caller may act on
// is checked by svc, where the project is known.
func MakeEndpoints(svc intake.Service) Endpoints {
	readers := auth.Allow(auth.Owner, auth.Officer, auth.Clerk, auth.Leader, auth.Supervisor, auth.Secretary)
	return Endpoints{
		RegisterProject: auth.Allow(auth.Owner, auth.Officer, auth.Supervisor)(makeRegisterProjectEndpoint(svc)),
		ImportProjects:  auth.Allow(importRoles...)(makeImportProjectsEndpoint(svc)),
		SubmitRequest:   auth.Allow(auth.Owner, auth.Officer)(makeSubmitRequestEndpoint(svc)),
		GetRequest:      auth.Allow(auth.Owner, auth.Officer, auth.Supervisor)(makeGetRequestEndpoint(svc)),
		GetProject:      readers(makeGetProjectEndpoint(svc)),
		ListProjects:    readers(makeListProjectsEndpoint(svc)),
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

func makeRegisterProjectEndpoint(svc intake.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		p, replayed, err := svc.RegisterProject(ctx, req.(intake.Project))
		return registerResponse{Project: p, Replayed: replayed}, err
	}
}

func makeImportProjectsEndpoint(svc intake.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		r := req.(importRequest)
		res, replayed, err := svc.ImportProjects(ctx, r.Rows, r.Key)
		return importResponse{Result: res, Replayed: replayed}, err
	}
}

func makeSubmitRequestEndpoint(svc intake.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		sr := req.(submitRequest)
		r, replayed, err := svc.SubmitRequest(ctx, sr.Request, sr.IdempotencyKey)
		return submitResponse{Request: r, Replayed: replayed}, err
	}
}

func makeGetRequestEndpoint(svc intake.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.GetRequest(ctx, req.(getRequestRequest).ID)
	}
}

type getProjectRequest struct{ Code string }

func makeGetProjectEndpoint(svc intake.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.GetProject(ctx, req.(getProjectRequest).Code)
	}
}

func makeListProjectsEndpoint(svc intake.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.ListProjects(ctx, req.(intake.ProjectQuery))
	}
}
