// Command intake is Tuijin's front door: key-project registrations and
// service requests.
package main

import (
	"context"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/domain/workday/official"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
	"github.com/tuijin/tuijin/services/intake/internal/open311"
	"github.com/tuijin/tuijin/services/intake/internal/store"
	"github.com/tuijin/tuijin/services/intake/internal/transport"
)

type config struct {
	platform.Config
	OrgFile string `conf:"help:organisation YAML: officers and work groups registrations may name (empty: the demo organisation)"`
	// Calendar is the ledger's setting too: Open311's expected_datetime is
	// the officer's task deadline, counted on the same working days.
	Calendar workday.Config
	Open311  struct {
		ServicesFile string   `conf:"env:OPEN311_SERVICES_FILE,flag:open311-services-file,help:YAML of the Open311 service codes of the request kinds (empty: the embedded default)"`
		Keys         []string `conf:"mask,env:OPEN311_KEYS,flag:open311-keys,help:Open311 api_keys as organisation=key (separated by ;): a POST with the key is submitted as an owner of the organisation"`
		KeysFile     string   `conf:"env:OPEN311_KEYS_FILE,flag:open311-keys-file,help:YAML of Open311 api_keys by their SHA-256 (keys: [{owner, name, sha256}])"`
	}
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
		svc := intake.NewService(st, st, intake.NewReference(o), app.Clock)
		transport.Routes(app.HTTP.Mux, transport.UseCasesOf(svc), app.Log)
		if err := open311Routes(cfg, app, svc, st); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.TaskChangedConsumer, transport.OnTaskChanged(svc)); err != nil {
			return err
		}
		return app.Consume(ctx, transport.ProjectChangedConsumer, transport.OnProjectChanged(svc))
	}
}

// open311Routes serves GeoReport v2 over the same use case and store.
func open311Routes(cfg *config, app *platform.App, svc intake.Requests, st *store.Store) error {
	cat, err := open311.LoadCatalog(cfg.Open311.ServicesFile)
	if err != nil {
		return err
	}
	keys, err := open311.ParseKeys(cfg.Open311.Keys, cfg.Open311.KeysFile)
	if err != nil {
		return err
	}
	if keys.Len() == 0 {
		app.Log.Warn("no Open311 api_keys: every POST /open311/v2/requests is refused")
	}
	cal, err := official.Follow(app.Log, app.Registry, "tuijin_intake", cfg.Calendar, app.Clock, app.Go)
	if err != nil {
		return err
	}
	transport.Open311Routes(app.HTTP.Mux, open311.NewService(open311.Deps{Catalog: cat, Keys: keys,
		Submitter: svc, Reader: st, Calendar: cal, Clock: app.Clock}), app.Log)
	return nil
}
