package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
)

func (s *Service) AssignOfficer(ctx context.Context, code string, a OfficerAssignment) (OfficerResult, error) {
	p, err := s.load(ctx, code, a.Version, "project_not_found", "no ledger for project "+code)
	if err != nil {
		return OfficerResult{}, err
	}
	base := p.Version
	if err := p.AssignOfficer(a.Officer, a.Actor, a.Note, a.Version, s.officers, s.clock.Now().UTC()); err != nil {
		return OfficerResult{}, err
	}
	if err := s.save(ctx, p, base, nil); err != nil {
		return OfficerResult{}, err
	}
	return OfficerResult{Officer: p.Officer, Version: p.Version}, nil
}

func (s *Service) FileRequest(ctx context.Context, code string, n NewTask) error {
	for range fileAttempts {
		p, err := s.store.Project(ctx, code)
		if err != nil {
			return fmt.Errorf("file request %s: %w", n.ID, err)
		}
		base := p.Version
		if !p.AddTask(n, s.calendar) {
			return nil
		}
		err = s.store.Update(ctx, p, base, nil)
		if !errors.Is(err, ErrVersionConflict) {
			return err
		}
	}
	return fmt.Errorf("file request %s: the ledger kept changing", n.ID)
}

func (s *Service) ActOnTask(ctx context.Context, code, id string, a TaskAction) (TaskResult, error) {
	pr, err := auth.Caller(ctx)
	if err != nil {
		return TaskResult{}, err
	}
	p, err := s.load(ctx, code, a.Version, "project_not_found", "no ledger for project "+code)
	if err != nil {
		return TaskResult{}, err
	}
	if err := s.mayActOnTask(pr, &p); err != nil {
		return TaskResult{}, err
	}
	base := p.Version
	var from TaskStatus
	if i := slices.IndexFunc(p.Tasks, func(t Task) bool { return t.ID == id }); i >= 0 {
		from = p.Tasks[i].Status
	}
	now := s.clock.Now().UTC()
	t, err := p.ApplyTask(id, a, s.catalog, now)
	if err != nil {
		return TaskResult{}, err
	}
	// The owner follows the request through intake, which learns its steps
	// from this event.
	msg, err := event.Build(ctx, event.TypeTaskChanged, event.TypeTaskChanged, Producer, event.Ref("task", t.ID), now,
		&ledgerv1.TaskChanged{TaskId: t.ID, ProjectCode: p.Code, Officer: t.Officer, FromStatus: string(from),
			ToStatus: string(t.Status), Action: a.Action, Note: a.Note, Actor: a.Actor,
			ChangedAt: timestamppb.New(now), Satisfaction: int32(a.Satisfaction)})
	if err != nil {
		return TaskResult{}, err
	}
	if err := s.save(ctx, p, base, []event.Message{msg}); err != nil {
		return TaskResult{}, err
	}
	return TaskResult{Task: t, Version: p.Version}, nil
}

func (s *Service) Tasks(ctx context.Context, officer, status string) ([]TaskView, error) {
	pr, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	// An officer lists their own tasks, whatever the query names.
	visible, err := s.taskScope(pr, officer)
	if err != nil {
		return nil, err
	}
	if status != "" && !slices.Contains(taskStatuses, TaskStatus(status)) {
		return nil, apperr.Invalid("status", "invalid_status", "status is one of received, taken, handling, closed, visited")
	}
	if officer != "" && !s.officers(officer) {
		return nil, apperr.Invalid("officer", "unknown_officer", fmt.Sprintf("no officer %q in the organisation", officer))
	}
	ps, err := s.store.Projects(ctx, ProjectFilter{})
	if err != nil {
		return nil, err
	}
	out := []TaskView{}
	for _, p := range ps {
		for _, t := range p.Tasks {
			if (officer == "" || t.Officer == officer) && (status == "" || string(t.Status) == status) && visible(t.Officer) {
				out = append(out, TaskView{Task: t, ProjectCode: p.Code, ProjectName: p.Name, ProjectVersion: p.Version})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out, nil
}
