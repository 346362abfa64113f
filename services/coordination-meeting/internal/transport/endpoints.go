package transport

import (
	"context"

	"github.com/go-kit/kit/endpoint"

	"github.com/tuijin/tuijin/pkg/auth"

	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// Endpoints are the meetings API as go-kit endpoints, one per route.
type Endpoints struct {
	Schedule, Get, List, EditAgenda endpoint.Endpoint
	Candidates                      endpoint.Endpoint
	Move, Cancel                    endpoint.Endpoint
}

// MakeEndpoints binds the endpoints to svc, each behind the roles that may
// call it (pkg/auth/ACCESS.md): reads for the service room's staff,
// scheduling, agendas, moves and cancellations for the secretary and
// supervisors.
func MakeEndpoints(svc meeting.Meetings) Endpoints {
	e := makeEndpoints(svc)
	read, convene := auth.Allow(meeting.Readers...), auth.Allow(meeting.Conveners...)
	return Endpoints{
		Schedule:   convene(e.Schedule),
		EditAgenda: convene(e.EditAgenda),
		Move:       auth.Allow(meeting.Rearrangers...)(e.Move),
		Cancel:     auth.Allow(meeting.Rearrangers...)(e.Cancel),
		Get:        read(e.Get),
		List:       read(e.List),
		Candidates: read(e.Candidates),
	}
}

// ProceedingsEndpoints are the minutes and a meeting's documents as go-kit
// endpoints, one per route.
type ProceedingsEndpoints struct {
	RecordMinutes                            endpoint.Endpoint
	Invitation, MinutesMarkdown, MinutesXLSX endpoint.Endpoint
}

// MakeProceedingsEndpoints binds the endpoints to svc: minutes for the
// secretary, the documents for the service room's staff.
func MakeProceedingsEndpoints(svc meeting.Proceedings) ProceedingsEndpoints {
	e := makeProceedingsEndpoints(svc)
	read := auth.Allow(meeting.Readers...)
	return ProceedingsEndpoints{
		RecordMinutes:   auth.Allow(meeting.MinuteTakers...)(e.RecordMinutes),
		Invitation:      read(e.Invitation),
		MinutesMarkdown: read(e.MinutesMarkdown),
		MinutesXLSX:     read(e.MinutesXLSX),
	}
}

func makeEndpoints(svc meeting.Meetings) Endpoints {
	return Endpoints{
		Schedule: func(ctx context.Context, req any) (any, error) { return svc.Schedule(ctx, req.(meeting.Draft)) },
		Get:      func(ctx context.Context, req any) (any, error) { return svc.Get(ctx, req.(idRequest).ID) },
		List: func(ctx context.Context, req any) (any, error) {
			ms, err := svc.List(ctx, req.(meeting.ListQuery))
			return listResponse{Items: ms}, err
		},
		EditAgenda: func(ctx context.Context, req any) (any, error) {
			r := req.(agendaRequest)
			return svc.EditAgenda(ctx, r.id, r.Version, r.Entries)
		},
		Move: func(ctx context.Context, req any) (any, error) { return svc.Move(ctx, req.(meeting.MoveRequest)) },
		Cancel: func(ctx context.Context, req any) (any, error) {
			return svc.Cancel(ctx, req.(meeting.CancelRequest))
		},
		Candidates: func(ctx context.Context, req any) (any, error) {
			q := req.(meeting.CandidateQuery)
			cs, err := svc.Candidates(ctx, q.Status, q.Limit)
			return candidatesResponse{Items: cs}, err
		},
	}
}

func makeProceedingsEndpoints(svc meeting.Proceedings) ProceedingsEndpoints {
	return ProceedingsEndpoints{
		RecordMinutes: func(ctx context.Context, req any) (any, error) {
			r := req.(minutesRequest)
			return svc.RecordMinutes(ctx, r.id, r.Summary, r.Decisions)
		},
		Invitation: func(ctx context.Context, req any) (any, error) {
			inv, err := svc.Invitation(ctx, req.(idRequest).ID)
			return document{"text/calendar; charset=utf-8; method=" + inv.Method, inv.Body}, err
		},
		MinutesMarkdown: func(ctx context.Context, req any) (any, error) {
			body, err := svc.MinutesMarkdown(ctx, req.(idRequest).ID)
			return document{"text/markdown; charset=utf-8", body}, err
		},
		MinutesXLSX: func(ctx context.Context, req any) (any, error) {
			id := req.(idRequest).ID
			x, err := svc.MinutesExport(ctx, id)
			if err != nil {
				return nil, err
			}
			b, err := MinutesXLSX(x)
			return xlsxFile{name: "minutes-" + id + ".xlsx", body: b}, err
		},
	}
}
