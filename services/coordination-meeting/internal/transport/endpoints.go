package transport

import (
	"context"

	"github.com/go-kit/kit/endpoint"

	"github.com/tuijin/tuijin/pkg/auth"

	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// Endpoints are the meetings API as go-kit endpoints, one per route.
type Endpoints struct {
	Schedule, Get, List, EditAgenda, RecordMinutes endpoint.Endpoint
	Invitation, MinutesMarkdown, MinutesXLSX       endpoint.Endpoint
	Candidates                                     endpoint.Endpoint
	Move, Cancel                                   endpoint.Endpoint
}

// MakeEndpoints binds the endpoints to svc, each behind the roles that may
// call it (pkg/auth/ACCESS.md): reads for the service room's staff,
// scheduling, agendas, moves and cancellations for the secretary and
// supervisors, minutes for the secretary.
func MakeEndpoints(svc meeting.Meetings) Endpoints {
	e := makeEndpoints(svc)
	read, convene := auth.Allow(meeting.Readers...), auth.Allow(meeting.Conveners...)
	return Endpoints{
		Schedule:        convene(e.Schedule),
		EditAgenda:      convene(e.EditAgenda),
		RecordMinutes:   auth.Allow(meeting.MinuteTakers...)(e.RecordMinutes),
		Move:            auth.Allow(meeting.Rearrangers...)(e.Move),
		Cancel:          auth.Allow(meeting.Rearrangers...)(e.Cancel),
		Get:             read(e.Get),
		List:            read(e.List),
		Invitation:      read(e.Invitation),
		MinutesMarkdown: read(e.MinutesMarkdown),
		MinutesXLSX:     read(e.MinutesXLSX),
		Candidates:      read(e.Candidates),
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
