// Command coordination-meeting schedules the coordination meetings of the
// key-project service: dispatch, team report, joint and on-site meetings.
package main

import (
	"context"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/org"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/store"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/transport"
)

type config struct {
	platform.Config
	OrgFile string `conf:"help:organisation YAML (empty: the demo organisation)"`
}

func main() {
	cfg := config{Config: platform.Defaults("127.0.0.1:8084", "tuijin_meeting")}
	platform.Main("coordination-meeting", &cfg, setup(&cfg))
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		o, err := org.Load(cfg.OrgFile)
		if err != nil {
			return err
		}
		st := store.New(app.DB, app.Log)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		st.UseRelay(app.Outbox(st.Collections()...))
		transport.Routes(app.HTTP.Mux, meeting.NewService(st, o, clock.System{}), app.Log)
		return nil
	}
}
