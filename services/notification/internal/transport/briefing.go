package transport

import (
	"context"
	"time"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// BriefingConsumer puts the leaders' briefings the ledger publishes into
// the leaders' inboxes.
func BriefingConsumer(svc notification.Briefer) Consumer {
	return Consumer{bus.ConsumerSpec{Durable: "notification-briefing-published", Subjects: []string{event.TypeBriefingPublished}},
		handle([]string{event.TypeBriefingPublished}, func() *ledgerv1.BriefingPublished { return &ledgerv1.BriefingPublished{} },
			func(ctx context.Context, d bus.Delivery, ev *ledgerv1.BriefingPublished) error {
				return svc.NotifyBriefing(ctx, toDomainBriefing(d.Envelope.GetId(), ev))
			})}
}

// day reads a YYYY-MM-DD of the event as that day in Beijing (zero when
// malformed: the briefing's Validate refuses a period without days).
func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, notification.CST)
	if err != nil {
		return time.Time{}
	}
	return t
}

func toDomainBriefing(id string, ev *ledgerv1.BriefingPublished) notification.LeaderBriefing {
	b := notification.LeaderBriefing{EventID: id, Kind: ev.GetKind(), Period: ev.GetPeriod(), First: day(ev.GetFirstDay()),
		Last: day(ev.GetLastDay()), AsOf: day(ev.GetAsOfDay()), Started: int(ev.GetProjectsStarted()),
		Finished: int(ev.GetItemsFinished()), Red: int(ev.GetRedItems()), Escalated: int(ev.GetProblemsEscalated()),
		Decisions: int(ev.GetDecisions()), Late: int(ev.GetLateProjects()), MarkdownURL: ev.GetMarkdownUrl(), XLSXURL: ev.GetXlsxUrl()}
	for _, d := range ev.GetDepartments() {
		b.Departments = append(b.Departments, notification.BriefingDepartment{Department: d.GetDepartment(),
			Completed: int(d.GetCompleted()), OnTime: int(d.GetCompletedOnTime()), OnTimeRate: d.GetOnTimeRate(),
			PendingNow: int(d.GetPendingNow()), Red: int(d.GetRedItems()), CriticalDelayDays: int(d.GetCriticalDelayDays())})
	}
	for _, c := range ev.GetCriticalDelays() {
		b.CriticalDelays = append(b.CriticalDelays, notification.CriticalDelay{Department: c.GetDepartment(),
			DelayDays: int(c.GetDelayDays()), Projects: int(c.GetProjects()), LateProjects: int(c.GetLateProjects())})
	}
	for _, l := range ev.GetWorstLate() {
		b.WorstLate = append(b.WorstLate, notification.LateProject{Code: l.GetProjectCode(), Name: l.GetProjectName(),
			PlannedStart: day(l.GetPlannedStart()), Forecast: day(l.GetForecast()), LateDays: int(l.GetLateDays()),
			CriticalPath: l.GetCriticalPath()})
	}
	return b
}
