// Command deadline is Tuijin's clock: working-day due dates, warnings and the
// escalation ladder, fired from timers in the JetStream message scheduler.
package main

import (
	"context"
	"time"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/domain/workday/official"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
	"github.com/tuijin/tuijin/services/deadline/internal/transport"
)

type config struct {
	platform.Config
	YellowDays    int    `conf:"default:2,help:remaining working days at which a deadline turns yellow (0: no yellow)"`
	UrgeDays      int    `conf:"default:1,help:working days overdue before 催办 (urge)"`
	SuperviseDays int    `conf:"default:3,help:working days after 催办 before 督办 (formal supervision)"`
	InterviewDays int    `conf:"default:5,help:working days after 督办 before 约谈 (interview of the department's leader)"`
	EscalateDays  int    `conf:"default:10,help:working days after 约谈 before 提级 (escalation to the government)"`
	ProblemDays   int    `conf:"default:5,help:working days a department has to solve a raised problem"`
	OrgFile       string `conf:"help:organisation YAML (empty: the demo organisation)"`
	Calendar      workday.Config
	Timer         struct {
		Workers int           `conf:"default:256,help:fired timers this replica works on at once (until each one's event is out)"`
		InHand  int           `conf:"default:20000,help:fired timers this replica has in hand at once (those whose step record waits for its batch included)"`
		Sweep   time.Duration `conf:"default:10m,help:how often the timers that should be pending are checked against the scheduler (and at start)"`
		Spread  time.Duration `conf:"default:5m,help:future timers of one instant are staggered over this much time by deadline id"`
	}
}

func main() {
	cfg := newConfig()
	platform.Main("deadline", cfg, setup(cfg))
}

func newConfig() *config {
	return &config{Config: platform.Defaults("127.0.0.1:8083", "tuijin_deadline")}
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		clk := app.Clock
		calendar, err := official.LoadLive(app.Log, app.Registry, "tuijin_deadline", cfg.Calendar.Dir, clk)
		if err != nil {
			return err
		}
		cal := calendar.Calendar()
		o, err := org.Load(cfg.OrgFile)
		if err != nil {
			return err
		}
		// Events naming another department are dead-lettered unread.
		depts := o.DepartmentCodes()
		app.Departments = depts

		deadlines := store.New(app.DB)
		if err := deadlines.EnsureIndexes(ctx); err != nil {
			return err
		}
		versions, err := bus.NewVersions(ctx, app.JS, cfg.NATS.Replicas, app.Log)
		if err != nil {
			return err
		}
		policy := deadline.Policy{YellowDays: cfg.YellowDays, UrgeDays: cfg.UrgeDays, SuperviseDays: cfg.SuperviseDays,
			InterviewDays: cfg.InterviewDays, EscalateDays: cfg.EscalateDays}
		clockCfg := deadline.Config{Store: deadline.Registered(deadlines, versions), Calendar: cal, Clock: clk, Policy: policy,
			Timers:    transport.NewTimers(bus.NewScheduler(app.JS), clk, cfg.Timer.Spread),
			Publisher: app.Publisher, Versions: versions, Steps: store.NewStepRecorder(deadlines, 0)}
		svc := deadline.NewService(clockCfg)

		app.Registry.MustRegister(transport.NewLevelCollector(deadlines, depts, app.Log))
		app.Registry.MustRegister(transport.NewProvisionalCollector(deadlines, app.Log))
		fired := transport.TimerFiredConsumer
		fired.Workers, fired.InHand = cfg.Timer.Workers, cfg.Timer.InHand
		if err := app.Consume(ctx, fired, transport.OnTimerFired(svc, transport.NewFiringMetrics(app.Registry))); err != nil {
			return err
		}
		app.Go(func(ctx context.Context) error { return transport.RunSweep(ctx, svc, cfg.Timer.Sweep, app.Log) })

		transport.Routes(app.HTTP.Mux, svc, app.Log)
		transport.CalendarRoutes(app.HTTP.Mux, calendar, app.Log)
		recompute := deadline.NewRecomputer(clockCfg, deadlines)
		app.Go(func(ctx context.Context) error {
			return calendar.Run(ctx, cfg.Calendar.Poll, transport.RecomputeOnChange(recompute, app.Registry, app.Log))
		})
		if err := app.Consume(ctx, transport.ItemAssignedConsumer, transport.OnItemAssigned(svc)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.ItemChangedConsumer, transport.OnItemChanged(svc, deadline.NewFollowUps(clockCfg))); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.ProblemRaisedConsumer, transport.OnProblemRaised(svc, cfg.ProblemDays)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.ProblemChangedConsumer, transport.OnProblemChanged(svc)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.ActionCreatedConsumer, transport.OnActionCreated(svc)); err != nil {
			return err
		}
		return app.Consume(ctx, transport.ActionChangedConsumer, transport.OnActionChanged(deadline.NewActionClock(clockCfg)))
	}
}
