// Command coordination-meeting schedules the coordination meetings of the
// key-project service: dispatch, team report, joint and on-site meetings;
// builds their agendas from escalations and records their decisions.
package main

import (
	"context"
	"fmt"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/domain/workday/official"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/store"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/transport"
)

type config struct {
	platform.Config
	OrgFile string `conf:"help:organisation YAML (empty: the demo organisation)"`
	// Calendar is the deadline service's setting too: both count the same
	// working days.
	Calendar workday.Config
	Joint    struct {
		Location string `conf:"default:政务服务中心会议室,help:where auto-convened joint meetings are held"`
		LeadDays int    `conf:"default:2,help:working days ahead an auto-convened joint meeting is held (09:00 Beijing time)"`
		Capacity int    `conf:"default:12,help:agenda entries an auto-convened joint meeting takes before a second one that day is convened"`
	}
	ICS struct {
		// Organizer is required: an invitation is an iTIP REQUEST, which must
		// name who answers go to (RFC 5546 §3.2.2).
		Organizer      string `conf:"help:organizer mail address of .ics invitations (required)"`
		AttendeeDomain string `conf:"help:mail domain of departments without a mail in the organisation file (empty: urn:tuijin:dept:<code>)"`
	}
}

func main() {
	cfg := newConfig()
	platform.Main("coordination-meeting", cfg, setup(cfg))
}

func newConfig() *config {
	return &config{Config: platform.Defaults("127.0.0.1:8084", "tuijin_meeting")}
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		organizer, err := meeting.Organizer(cfg.ICS.Organizer)
		if err != nil {
			return fmt.Errorf("TUIJIN_ICS_ORGANIZER: %w", err)
		}
		o, err := org.Load(cfg.OrgFile)
		if err != nil {
			return err
		}
		// Events naming another department are dead-lettered unread.
		app.Departments = o.DepartmentCodes()
		clk := app.Clock
		// The calendar follows its dir while the service runs, as the
		// deadline service's does, so that both count new limits alike
		// once a year file arrives.
		cal, err := official.Follow(app.Log, app.Registry, "tuijin_meeting", cfg.Calendar, clk, app.Go)
		if err != nil {
			return err
		}
		st := store.New(app.DB, app.Log)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		st.UseRelay(app.Outbox(st.Collections()...))
		svc := meeting.NewService(st, o, clk, cal, meeting.Config{
			JointLocation: cfg.Joint.Location, JointLeadDays: cfg.Joint.LeadDays, JointCapacity: cfg.Joint.Capacity,
			Organizer: organizer, AttendeeDomain: cfg.ICS.AttendeeDomain,
		}, app.Log)
		transport.Routes(app.HTTP.Mux, svc, app.Log)
		transport.ProceedingsRoutes(app.HTTP.Mux, svc, app.Log)
		transport.ActionRoutes(app.HTTP.Mux, meeting.NewActions(st, clk), app.Log)
		if err := app.Consume(ctx, transport.DeadlineConsumer, transport.OnDeadline(svc)); err != nil {
			return err
		}
		return app.Consume(ctx, transport.ProblemConsumer, transport.OnProblem(svc))
	}
}
