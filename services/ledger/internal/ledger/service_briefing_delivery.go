package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
)

// BriefingLog records which briefings went out. A briefing's record and its
// event are saved by one insert (the event in the record's outbox), so a
// crash loses neither, and of replicas racing on one period exactly one
// insert wins.
type BriefingLog interface {
	// Since is when the schedule first ran: now on the first call ever,
	// what that call stored on every later one (and on every replica).
	Since(ctx context.Context, now time.Time) (time.Time, error)
	// Sent reports whether briefing id is recorded.
	Sent(ctx context.Context, id string) (bool, error)
	// Record saves briefing id with its event and publishes it (a failed
	// publish is left to the outbox sweep); ErrDuplicate when id is
	// recorded already.
	Record(ctx context.Context, id string, at time.Time, m event.Message) error
}

// WorstLate is how many of the latest projects a briefing's event names;
// the full list is in the briefing it links to.
const WorstLate = 5

// PublishBriefings publishes the briefings sch owes now that log has not
// recorded, and reports how many this call published. Every replica may
// call it as often as it likes: what goes out is decided by the log.
func (s *Service) PublishBriefings(ctx context.Context, log BriefingLog, sch BriefingSchedule) (int, error) {
	now := s.clock.Now()
	since, err := log.Since(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("briefing schedule start: %w", err)
	}
	n := 0
	for _, p := range sch.Due(now, since) {
		sent, err := log.Sent(ctx, p.ID())
		if err != nil {
			return n, fmt.Errorf("briefing %s: %w", p.ID(), err)
		}
		if sent {
			continue
		}
		b, err := s.build(ctx, p.Kind, p.Period, p.From, p.To, now)
		if err != nil {
			return n, err
		}
		m, err := briefingEvent(ctx, b, sch.BaseURL, now)
		if err != nil {
			return n, err
		}
		err = log.Record(ctx, p.ID(), now, m)
		if errors.Is(err, ErrDuplicate) {
			continue // another replica recorded it first
		}
		if err != nil {
			return n, fmt.Errorf("record briefing %s: %w", p.ID(), err)
		}
		n++
	}
	return n, nil
}

// RunBriefings publishes the owed briefings every interval until ctx ends.
func (s *Service) RunBriefings(ctx context.Context, log BriefingLog, sch BriefingSchedule, interval time.Duration, lg *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.PublishBriefings(ctx, log, sch); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			lg.Warn("publishing the leaders' briefings failed; retried at the next check", "err", err)
		} else if n > 0 {
			lg.Info("leaders' briefings published", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// BriefingEventID is the event id of a period's briefing: the same on
// every replica and after every restart, so the stream's duplicate window
// and the consumers' idempotency keep one.
func BriefingEventID(kind, period string) string { return "briefing-" + kind + "-" + period }

// BriefingLinks are where a briefing is read in full.
func BriefingLinks(base, kind, period string) (md, xlsx string) {
	param := "day"
	if kind == BriefingMonthly {
		param = "month"
	}
	q := "?" + param + "=" + url.QueryEscape(period)
	path := base + "/v1/briefings/" + kind
	return path + ".md" + q, path + ".xlsx" + q
}

func briefingEvent(ctx context.Context, b Briefing, base string, now time.Time) (event.Message, error) {
	md, xlsx := BriefingLinks(base, b.Kind, b.Period)
	ev := &ledgerv1.BriefingPublished{Kind: b.Kind, Period: b.Period, FirstDay: b.From.String(), LastDay: b.To.String(),
		AsOfDay: b.AsOf.String(), ProjectsStarted: int32(len(b.Started)), ItemsFinished: int32(b.ItemsFinished),
		RedItems: int32(len(b.RedItems)), ProblemsEscalated: int32(len(b.Escalated)), Decisions: int32(len(b.Decisions)),
		LateProjects: int32(len(b.LateProjects)), MarkdownUrl: md, XlsxUrl: xlsx, PublishedAt: timestamppb.New(now)}
	for _, d := range b.Departments {
		ev.Departments = append(ev.Departments, &ledgerv1.BriefingDepartment{Department: d.Department,
			Completed: int32(d.Completed), CompletedOnTime: int32(d.CompletedOnTime), OnTimeRate: d.OnTimeRate,
			PendingNow: int32(d.PendingNow), RedItems: int32(d.Red), CriticalDelayDays: int32(d.CriticalDelayDays)})
	}
	for _, c := range b.CriticalDelays {
		ev.CriticalDelays = append(ev.CriticalDelays, &ledgerv1.BriefingCriticalDelay{Department: c.Department,
			DelayDays: int32(c.DelayDays), Projects: int32(c.Projects), LateProjects: int32(c.LateProjects)})
	}
	for i, l := range b.LateProjects {
		if i == WorstLate {
			break
		}
		lp := &ledgerv1.BriefingLateProject{ProjectCode: l.Code, ProjectName: l.Name, PlannedStart: l.PlannedStart.String(),
			Forecast: l.Forecast.String(), LateDays: int32(l.LateDays)}
		for _, st := range l.CriticalPath {
			lp.CriticalPath = append(lp.CriticalPath, st.Name)
		}
		ev.WorstLate = append(ev.WorstLate, lp)
	}
	env, err := event.New(event.TypeBriefingPublished, Producer, event.Ref("briefing", b.Kind+":"+b.Period), now, ev)
	if err != nil {
		return event.Message{}, err
	}
	env.Id = BriefingEventID(b.Kind, b.Period)
	return event.Encode(ctx, event.TypeBriefingPublished, env)
}
