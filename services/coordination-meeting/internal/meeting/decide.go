package meeting

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/event"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
)

func (s *Service) RecordMinutes(ctx context.Context, id, summary string, drafts []DecisionDraft) (Meeting, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	minutes, err := ValidateMinutes(s.org, m, summary, drafts, s.now())
	if err != nil {
		return Meeting{}, err
	}
	entries := map[string]AgendaEntry{}
	for _, e := range m.Agenda {
		entries[e.ID] = e
	}
	var events []event.Message
	var decided []string
	for _, d := range minutes.Decisions {
		e := entries[d.AgendaEntryID]
		if e.CandidateID != "" {
			decided = append(decided, e.CandidateID)
		}
		text := d.Text
		switch {
		case d.Action != nil:
			text += "：" + d.Action.Description
		case d.Report != "":
			text += "\n专题报告：" + d.Report
		}
		msg, err := event.Build(ctx, event.TypeMeetingDecided, event.TypeMeetingDecided, Producer, event.Ref("meeting", m.ID),
			minutes.RecordedAt, &meetingv1.MeetingDecided{MeetingId: m.ID, AgendaEntryId: e.ID, ProjectCode: e.ProjectCode,
				ProblemId: e.ProblemID, Outcome: d.Outcome, Text: text})
		if err != nil {
			return Meeting{}, err
		}
		events = append(events, msg)
		if a := d.Action; a != nil {
			msg, err := event.Build(ctx, event.ForDepartment(event.TypeActionCreated, a.Department), event.TypeActionCreated, Producer,
				event.Ref("action", a.ID), minutes.RecordedAt, &meetingv1.ActionCreated{ActionId: a.ID, MeetingId: m.ID,
					ProjectCode: e.ProjectCode, Department: a.Department, Description: a.Description, DueAt: timestamppb.New(a.DueAt),
					AgendaEntryId: e.ID})
			if err != nil {
				return Meeting{}, err
			}
			events = append(events, msg)
		}
	}
	m.Minutes = &minutes
	m.Status = StatusDecided
	m.Version++
	if err := s.update(ctx, m, events); err != nil {
		return Meeting{}, err
	}
	if err := s.store.SetCandidates(ctx, decided, CandidateDecided, m.ID); err != nil {
		return Meeting{}, fmt.Errorf("mark candidates decided: %w", err)
	}
	if m.Recurrence != "" {
		if err := s.scheduleNext(ctx, m); err != nil {
			s.log.Error("next occurrence not scheduled", "meeting", m.ID, "err", err)
		}
	}
	return m, nil
}

// scheduleNext schedules a recurring meeting's next occurrence under an id
// derived from this one, so that it exists once.
func (s *Service) scheduleNext(ctx context.Context, m Meeting) error {
	next := Meeting{ID: uuid.NewSHA1(agendaNS, []byte("next\x00"+m.ID)).String(), Kind: m.Kind, Title: m.Title,
		StartsAt: Next(m.Recurrence, m.StartsAt), Location: m.Location, WorkGroup: m.WorkGroup, Recurrence: m.Recurrence}
	g := s.group(m.WorkGroup)
	if g != nil {
		next.Attendees = Attendees(nil, g, nil)
	} else {
		next.Attendees = slices.Clone(m.Attendees)
	}
	_, err := s.create(ctx, next)
	if errors.Is(err, ErrDuplicate) {
		return nil
	}
	return err
}

func (s *Service) Invitation(ctx context.Context, id string) (Invite, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return Invite{}, err
	}
	return Invitation(m, s.now(), s.cfg.Organizer, func(code string) (string, string) {
		name := code
		d, ok := s.org.Department(code)
		if ok {
			name = d.Name
		}
		if d.Mail != "" {
			return name, "mailto:" + d.Mail
		}
		if s.cfg.AttendeeDomain != "" {
			return name, "mailto:" + code + "@" + s.cfg.AttendeeDomain
		}
		return name, "urn:tuijin:dept:" + code
	}), nil
}

func (s *Service) MinutesExport(ctx context.Context, id string) (MinutesExport, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return MinutesExport{}, err
	}
	return ExportOf(m, s.deptName), nil
}

func (s *Service) deptName(code string) string {
	if d, ok := s.org.Department(code); ok {
		return d.Name
	}
	return code
}

func (s *Service) MinutesMarkdown(ctx context.Context, id string) (string, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return MinutesMarkdown(m, func(code string) string {
		if d, ok := s.org.Department(code); ok {
			return d.Name
		}
		return code
	}), nil
}
