// Command intake is Tuijin's front door: key-project registrations and
// service requests.
package main

import (
	"context"

	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
	"github.com/tuijin/tuijin/services/intake/internal/store"
	"github.com/tuijin/tuijin/services/intake/internal/transport"
)

type config struct {
	platform.Config
}

func main() {
	cfg := newConfig()
	platform.Main("intake", cfg, setup(cfg))
}

func newConfig() *config {
	return &config{Config: platform.Defaults("127.0.0.1:8081", "tuijin_intake")}
}

func setup(_ *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		st := store.New(app.DB)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		st.UseRelay(app.Outbox(st.Collections()...))
		transport.Routes(app.HTTP.Mux, intake.NewService(st, app.Clock), app.Log)
		return nil
	}
}
