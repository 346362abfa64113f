package ledger

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
)

// UpdateProgress changes the stage and/or 形象进度; a move out of 谋划/储备
// dispatches the ready items (their item.assigned events go with the
// project.changed event, in the same write), and 开工 waits for the
// catalog's construction permit unless overridden.
func (s *Service) UpdateProgress(ctx context.Context, code string, u ProgressUpdate) (ProgressResult, error) {
	pr, err := auth.Caller(ctx)
	if err != nil {
		return ProgressResult{}, err
	}
	p, err := s.load(ctx, code, u.Version, "project_not_found", "no ledger for project "+code)
	if err != nil {
		return ProgressResult{}, err
	}
	if err := s.mayUpdateProgress(pr, &p); err != nil {
		return ProgressResult{}, err
	}
	base := p.Version
	now := s.clock.Now().UTC()
	ch, err := p.UpdateProgress(u, s.catalog.Permit(), s.calendar, now)
	if err != nil {
		return ProgressResult{}, err
	}
	msgs := make([]event.Message, 0, 1+len(ch.Assigned))
	m, err := projectChangedEvent(ctx, p, ch, now)
	if err != nil {
		return ProgressResult{}, err
	}
	msgs = append(msgs, m)
	for _, it := range ch.Assigned {
		m, err := assignedEvent(ctx, p, it)
		if err != nil {
			return ProgressResult{}, err
		}
		msgs = append(msgs, m)
	}
	if err := s.save(ctx, p, base, msgs); err != nil {
		return ProgressResult{}, err
	}
	if ch.Assigned == nil {
		ch.Assigned = []Item{}
	}
	return ProgressResult{From: ch.From, Stage: p.Stage, ImageProgress: p.ImageProgress, Version: p.Version,
		Assigned: ch.Assigned}, nil
}

func projectChangedEvent(ctx context.Context, p Project, ch StageChange, now time.Time) (event.Message, error) {
	last := p.Progress[len(p.Progress)-1]
	ev := &ledgerv1.ProjectChanged{
		ProjectCode: p.Code, ProjectName: p.Name, FromStage: ch.From, ToStage: ch.To,
		ImageProgress: p.ImageProgress, Actor: last.Actor, OverrideReason: last.Override,
		ChangedAt: timestamppb.New(now), Version: p.Version, Officer: p.Officer, WorkGroup: p.WorkGroup,
	}
	for _, it := range ch.Assigned {
		ev.AssignedItemIds = append(ev.AssignedItemIds, it.ID)
	}
	return event.Build(ctx, event.TypeProjectChanged, event.TypeProjectChanged, Producer,
		event.Ref("project", p.Code), now, ev)
}
