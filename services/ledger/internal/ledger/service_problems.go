package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/audit"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
)

func (s *Service) RaiseProblem(ctx context.Context, code string, n NewProblem) (ProblemResult, error) {
	pr, err := auth.Caller(ctx)
	if err != nil {
		return ProblemResult{}, err
	}
	p, err := s.load(ctx, code, n.Version, "project_not_found", "no ledger for project "+code)
	if err != nil {
		return ProblemResult{}, err
	}
	if err := s.mayRaise(pr, &p); err != nil {
		return ProblemResult{}, err
	}
	base := p.Version
	now := s.clock.Now().UTC()
	prob, err := p.RaiseProblem(n, s.departments, now)
	if err != nil {
		return ProblemResult{}, err
	}
	m, err := event.Build(ctx, event.ForDepartment(event.TypeProblemRaised, prob.Department), event.TypeProblemRaised,
		Producer, event.Ref("problem", prob.ID), now, &ledgerv1.ProblemRaised{
			ProblemId: prob.ID, ProjectCode: p.Code, Department: prob.Department, Title: prob.Title,
			Description: prob.Description, RaisedAt: timestamppb.New(now), ItemId: prob.ItemID,
			Escalation: prob.Escalation, RaisedBy: prob.RaisedBy, ProjectName: p.Name, Officer: p.Officer,
			Status: string(prob.Status),
		})
	if err != nil {
		return ProblemResult{}, err
	}
	if err := s.save(ctx, p, base, []event.Message{m}); err != nil {
		return ProblemResult{}, err
	}
	return ProblemResult{Problem: prob, Version: p.Version}, nil
}

func (s *Service) UpdateProblem(ctx context.Context, problemID string, u ProblemUpdate) (ProblemResult, error) {
	pr, err := auth.Caller(ctx)
	if err != nil {
		return ProblemResult{}, err
	}
	return s.updateProblem(ctx, problemID, u, func(p *Project) error { return s.mayUpdateProblem(pr, p, problemID) })
}

// updateProblem applies u once may (nil: the system's own update, a
// meeting's decision) allows it on the loaded ledger.
func (s *Service) updateProblem(ctx context.Context, problemID string, u ProblemUpdate, may func(*Project) error) (ProblemResult, error) {
	code, _, ok := SplitItemID(problemID)
	if !ok {
		return ProblemResult{}, apperr.NotFound("problem_not_found", "no problem "+problemID)
	}
	audit.Note(ctx, code, string(u.Status))
	p, err := s.load(ctx, code, u.Version, "problem_not_found", "no problem "+problemID)
	if err != nil {
		return ProblemResult{}, err
	}
	if may != nil {
		if err := may(&p); err != nil {
			return ProblemResult{}, err
		}
	}
	base := p.Version
	now := s.clock.Now().UTC()
	pr, err := p.UpdateProblem(problemID, u, now)
	if err != nil {
		return ProblemResult{}, err
	}
	m, err := event.Build(ctx, event.ForDepartment(event.TypeProblemChanged, pr.Department), event.TypeProblemChanged,
		Producer, event.Ref("problem", pr.ID), now, &ledgerv1.ProblemChanged{
			ProblemId: pr.ID, ProjectCode: p.Code, Department: pr.Department, Status: string(pr.Status),
			Measure: strings.TrimSpace(u.Measure), ChangedAt: timestamppb.New(now), Escalation: pr.Escalation,
			Actor: u.Actor, ItemId: pr.ItemID, Title: pr.Title, ProjectName: p.Name, Officer: p.Officer, Note: u.Note,
		})
	if err != nil {
		return ProblemResult{}, err
	}
	if err := s.save(ctx, p, base, []event.Message{m}); err != nil {
		return ProblemResult{}, err
	}
	return ProblemResult{Problem: pr, Version: p.Version}, nil
}

func (s *Service) RecordDecision(ctx context.Context, d MeetingDecision) error {
	code, _, ok := SplitItemID(d.ProblemID)
	if !ok {
		return apperr.NotFound("problem_not_found", "no problem "+d.ProblemID)
	}
	for range fileAttempts {
		p, err := s.load(ctx, code, 0, "problem_not_found", "no problem "+d.ProblemID)
		if err != nil {
			return err
		}
		u := decisionUpdate(d, p.Version)
		if p.HasMeasureFrom(d.ProblemID, u.Source) {
			return nil
		}
		_, err = s.updateProblem(ctx, d.ProblemID, u, nil)
		if errors.Is(err, ErrIllegalTransition) && u.Status == ProblemResolved {
			// Solved in the meantime: the decision is still a measure.
			u.Status = ""
			_, err = s.updateProblem(ctx, d.ProblemID, u, nil)
		}
		if errors.Is(err, ErrStale) {
			continue
		}
		return err
	}
	return fmt.Errorf("record decision on %s: the ledger kept changing", d.ProblemID)
}
