// Command deadline is Tuijin's clock: working-day due dates and warnings.
package main

import (
	"context"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/deadline/internal/calendar"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
	"github.com/tuijin/tuijin/services/deadline/internal/transport"
)

type config struct {
	platform.Config
	YellowDays int `conf:"default:2,help:remaining working days at which a deadline turns yellow"`
	Calendar   struct {
		Dir string `conf:"help:directory of per-year holiday arrangement files (YYYY.yaml) laid over the shipped ones"`
	}
}

func main() {
	cfg := config{Config: platform.Defaults("127.0.0.1:8083", "tuijin_deadline")}
	platform.Main("deadline", &cfg, setup(&cfg))
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		clk := clock.System{}
		cal, _, err := calendar.New(cfg.Calendar.Dir)
		if err != nil {
			return err
		}
		calendar.WarnMissing(app.Log, cal, clk)
		calendar.RegisterCoverage(app.Registry, cal, clk)

		st := store.New(app.DB)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		svc := deadline.NewService(st, cal, clk, cfg.YellowDays)
		transport.Routes(app.HTTP.Mux, svc, app.Log)
		return app.Consume(ctx, transport.ItemAssignedConsumer, transport.OnItemAssigned(svc))
	}
}
