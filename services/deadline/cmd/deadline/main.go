// Command deadline is Tuijin's clock: working-day due dates and warnings.
package main

import (
	"context"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/pkg/workday"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
	"github.com/tuijin/tuijin/services/deadline/internal/transport"
)

type config struct {
	platform.Config
	YellowDays int `conf:"default:2,help:remaining working days at which a deadline turns yellow"`
}

func main() {
	cfg := config{Config: platform.Defaults("127.0.0.1:8083", "tuijin_deadline")}
	platform.Main("deadline", &cfg, setup(&cfg))
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		st := store.New(app.DB)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		svc := deadline.NewService(st, workday.Weekends{}, clock.System{}, cfg.YellowDays)
		transport.Routes(app.HTTP.Mux, svc, app.Log)
		return app.Consume(ctx, transport.ItemAssignedConsumer, transport.OnItemAssigned(svc))
	}
}
