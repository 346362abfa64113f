// Command deadline is Tuijin's clock: working-day due dates, warnings and the
// escalation ladder, fired from durable timers.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tuijin/tuijin/pkg/org"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/deadline/internal/calendar"
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
	Calendar      struct {
		Dir string `conf:"help:directory of per-year holiday arrangement files (YYYY.yaml) laid over the shipped ones"`
	}
	Timer struct {
		Interval time.Duration `conf:"default:1s,help:how often due timers are looked for"`
		Lease    time.Duration `conf:"default:30s,help:how long a replica holds a claimed timer"`
		Batch    int           `conf:"default:256,help:due timers taken per pass"`
		Workers  int           `conf:"default:2,help:parallel reads per pass (FerretDB gains nothing from more)"`
	}
}

func main() {
	cfg := config{Config: platform.Defaults("127.0.0.1:8083", "tuijin_deadline")}
	platform.Main("deadline", &cfg, setup(&cfg))
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		clk := app.Clock
		cal, _, err := calendar.New(cfg.Calendar.Dir)
		if err != nil {
			return err
		}
		calendar.WarnMissing(app.Log, cal, clk)
		calendar.RegisterCoverage(app.Registry, cal, clk)
		o, err := org.Load(cfg.OrgFile)
		if err != nil {
			return err
		}
		depts := make([]string, len(o.Departments))
		for i, d := range o.Departments {
			depts[i] = d.Code
		}

		deadlines, levels, timers := store.New(app.DB), store.NewLevels(app.DB), store.NewTimers(app.DB)
		if err := deadlines.EnsureIndexes(ctx); err != nil {
			return err
		}
		if err := levels.EnsureIndexes(ctx); err != nil {
			return err
		}
		policy := deadline.Policy{YellowDays: cfg.YellowDays, UrgeDays: cfg.UrgeDays, SuperviseDays: cfg.SuperviseDays,
			InterviewDays: cfg.InterviewDays, EscalateDays: cfg.EscalateDays}
		svc := deadline.NewService(deadlines, levels, timers, cal, clk, policy)

		app.Registry.MustRegister(transport.NewLevelCollector(levels, depts, app.Log))
		fm := transport.NewFiringMetrics(app.Registry)
		host, _ := os.Hostname()
		engine := deadline.NewEngine(deadlines, levels, timers, app.Publisher, cal, policy, clk, deadline.EngineConfig{
			Owner: fmt.Sprintf("%s-%d", host, os.Getpid()), Lease: cfg.Timer.Lease,
			Batch: cfg.Timer.Batch, Workers: cfg.Timer.Workers, OnFired: fm.Observe,
		}, app.Log)
		app.Go(func(ctx context.Context) error { return engine.Run(ctx, cfg.Timer.Interval) })

		transport.Routes(app.HTTP.Mux, svc, app.Log)
		if err := app.Consume(ctx, transport.ItemAssignedConsumer, transport.OnItemAssigned(svc)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.ItemChangedConsumer, transport.OnItemChanged(svc)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.ProblemRaisedConsumer, transport.OnProblemRaised(svc, cfg.ProblemDays)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.ProblemChangedConsumer, transport.OnProblemChanged(svc)); err != nil {
			return err
		}
		return app.Consume(ctx, transport.ActionCreatedConsumer, transport.OnActionCreated(svc))
	}
}
