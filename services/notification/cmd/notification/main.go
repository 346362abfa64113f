// Command notification turns Tuijin's events into messages for people,
// starting with the departments' in-app inboxes.
package main

import (
	"context"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/org"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
	"github.com/tuijin/tuijin/services/notification/internal/store"
	"github.com/tuijin/tuijin/services/notification/internal/transport"
)

type config struct {
	platform.Config
	OrgFile string `conf:"help:organisation YAML (empty: the demo organisation)"`
}

func main() {
	cfg := config{Config: platform.Defaults("127.0.0.1:8085", "tuijin_notification")}
	platform.Main("notification", &cfg, setup(&cfg))
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		o, err := org.Load(cfg.OrgFile)
		if err != nil {
			return err
		}
		st := store.New(app.DB)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		departments := func(code string) (string, bool) {
			d, ok := o.Department(code)
			return d.Name, ok
		}
		svc := notification.NewService(st, departments, clock.System{},
			notification.OnDelivered(transport.DeliveredCounter(app.Registry)))
		transport.Routes(app.HTTP.Mux, svc, app.Log)
		return app.Consume(ctx, transport.ItemAssignedConsumer, transport.OnItemAssigned(svc))
	}
}
