package notification

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

func (s *Service) NotifyAssigned(ctx context.Context, a Assignment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := s.Stats.TrackAssigned(ctx, ItemStat{ItemID: a.ItemID, Department: a.Department, AssignedAt: s.now(),
		Name: a.ItemName, ProjectCode: a.ProjectCode}); err != nil {
		return err
	}
	if a.Officer != "" && projectCodeRE.MatchString(a.ProjectCode) {
		if err := s.Projects.PutProject(ctx, Project{Code: a.ProjectCode, Officer: a.Officer}); err != nil {
			return err
		}
	}
	return s.Notify(ctx, AssignedNotice(a, s.Names))
}

func (s *Service) NotifyChanged(ctx context.Context, c ItemChange) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := s.trackChange(ctx, c); err != nil {
		return err
	}
	p, err := s.project(ctx, c.ProjectCode)
	if err != nil {
		return err
	}
	item, err := s.item(ctx, c.ItemID)
	if err != nil {
		return err
	}
	return s.Notify(ctx, ChangedNotice(c, p, item.Name, s.Names))
}

// trackChange keeps the bulletin's statistics of the item in step with its
// status.
func (s *Service) trackChange(ctx context.Context, c ItemChange) error {
	switch {
	case Finished(c.ToStatus):
		at := c.ChangedAt
		if at.IsZero() {
			at = s.now()
		}
		return s.Stats.TrackFinished(ctx, c.ItemID, c.Department, at.UTC().Truncate(time.Millisecond))
	case Withdrawn(c.ToStatus):
		return s.Stats.TrackWithdrawn(ctx, c.ItemID, c.Department)
	case Reopened(c.FromStatus, c.ToStatus):
		return s.Stats.TrackReopened(ctx, c.ItemID, c.Department)
	}
	return nil
}

func (s *Service) NotifyRequest(ctx context.Context, r RequestAck) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return s.Notify(ctx, RequestNotice(r))
}

func (s *Service) NotifyDeadline(ctx context.Context, d DeadlineAlert) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.Kind == "item" && d.Level >= LevelRed && d.RefID != "" {
		if err := s.Stats.TrackOverdue(ctx, d.RefID, d.Department); err != nil {
			return err
		}
	}
	p, err := s.project(ctx, d.ProjectCode)
	if err != nil {
		return err
	}
	var item ItemStat
	if d.Kind == "item" || d.IsFollowUp() {
		if item, err = s.item(ctx, d.RefID); err != nil {
			return err
		}
	}
	if d.IsFollowUp() {
		return s.Notify(ctx, FollowUpNotice(d, s.Names, item.Name, p))
	}
	return s.Notify(ctx, DeadlineNotice(d, s.Names, item.Name, p.Name))
}

// project is what is known of project code; nothing known is no error.
func (s *Service) project(ctx context.Context, code string) (Project, error) {
	if code == "" {
		return Project{}, nil
	}
	p, err := s.Projects.Project(ctx, code)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Project{}, fmt.Errorf("project %s: %w", code, err)
	}
	return p, nil
}

// item is what is known of item id; nothing known is no error.
func (s *Service) item(ctx context.Context, id string) (ItemStat, error) {
	if id == "" {
		return ItemStat{}, nil
	}
	it, err := s.Stats.Item(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return ItemStat{}, fmt.Errorf("item %s: %w", id, err)
	}
	return it, nil
}

func (s *Service) NotifyMeeting(ctx context.Context, m MeetingInvite) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return s.Notify(ctx, MeetingNotice(m, s.Names))
}

func (s *Service) NotifyAction(ctx context.Context, a ActionAssigned) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return s.Notify(ctx, ActionNotice(a, s.Names))
}

func (s *Service) RememberProject(ctx context.Context, p Project) error {
	if !projectCodeRE.MatchString(p.Code) {
		return apperr.Invalid("code", "invalid_code", "the project has no valid code")
	}
	if err := s.Projects.PutProject(ctx, p); err != nil {
		return fmt.Errorf("remember project %s: %w", p.Code, err)
	}
	return nil
}
