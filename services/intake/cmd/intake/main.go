// Command intake is Tuijin's front door: key-project registrations and
// service requests.
package main

import (
	"context"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
	"github.com/tuijin/tuijin/services/intake/internal/store"
	"github.com/tuijin/tuijin/services/intake/internal/transport"
)

type config struct {
	platform.Config
	OrgFile string `conf:"help:organisation YAML: officers and work groups registrations may name (empty: the demo organisation)"`
}

func main() {
	cfg := newConfig()
	platform.Main("intake", cfg, setup(cfg))
}

func newConfig() *config {
	return &config{Config: platform.Defaults("127.0.0.1:8081", "tuijin_intake")}
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		o, err := org.Load(cfg.OrgFile)
		if err != nil {
			return err
		}
		// Events naming another department are dead-lettered unread.
		app.Departments = o.DepartmentCodes()
		st := store.New(app.DB)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		st.UseRelay(app.Outbox(st.Collections()...))
		svc := intake.NewService(st, intake.NewReference(o), app.Clock)
		transport.Routes(app.HTTP.Mux, svc, app.Log)
		if err := app.Consume(ctx, transport.TaskChangedConsumer, transport.OnTaskChanged(svc)); err != nil {
			return err
		}
		return app.Consume(ctx, transport.ProjectChangedConsumer, transport.OnProjectChanged(svc))
	}
}
