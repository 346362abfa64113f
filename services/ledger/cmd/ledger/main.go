// Command ledger is Tuijin's 台账: it plans each project's approval items,
// routes them to departments, takes their actions and keeps the problem
// ledger.
package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/domain/workday/official"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
	"github.com/tuijin/tuijin/services/ledger/internal/store"
	"github.com/tuijin/tuijin/services/ledger/internal/transport"
)

type config struct {
	platform.Config
	OrgFile     string `conf:"help:organisation YAML (empty: the demo organisation)"`
	CatalogFile string `conf:"help:item catalog YAML (empty: the demo catalog)"`
	// Calendar is the deadline service's setting too: both count the same
	// working days.
	Calendar workday.Config
	// Briefing is when the leaders' briefings go out and where they are read.
	Briefing struct {
		At       string        `conf:"default:08:30,help:time (Beijing) on Mondays and on the 1st the weekly and monthly briefings of the period before go out to the leaders; off: never"`
		URL      string        `conf:"default:http://127.0.0.1:8082,help:the ledger's address as leaders reach it: the briefing's links start with it"`
		Interval time.Duration `conf:"default:1m,help:how often the schedule is checked"`
	}
}

func main() {
	cfg := newConfig()
	platform.Main("ledger", cfg, setup(cfg))
}

func newConfig() *config {
	return &config{Config: platform.Defaults("127.0.0.1:8082", "tuijin_ledger")}
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		o, err := org.Load(cfg.OrgFile)
		if err != nil {
			return err
		}
		// Events naming another department are dead-lettered unread.
		depts := o.DepartmentCodes()
		app.Departments = depts
		isDept := func(code string) bool { _, ok := o.Department(code); return ok }
		cat, err := catalog.Load(cfg.CatalogFile, isDept)
		if err != nil {
			return err
		}
		if err := cat.CheckWorkGroups(o); err != nil {
			return fmt.Errorf("organisation against the catalog: %w", err)
		}
		clk := app.Clock
		// The calendar follows its dir while the service runs, as the
		// deadline service's does, so that both count new limits alike
		// once a year file arrives.
		cal, err := official.Follow(app.Log, app.Registry, "tuijin_ledger", cfg.Calendar, clk, app.Go)
		if err != nil {
			return err
		}
		st := store.New(app.DB, app.Log)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		// Events leave right after each write; the sweep publishes whatever a
		// failure or a crash left behind.
		st.UsePublisher(app.Publisher)
		briefings := store.NewBriefings(app.DB, app.Publisher, app.Log)
		app.Outbox(append(st.Collections(), briefings.Collection())...)
		at, err := ledger.ParseBriefingAt(cfg.Briefing.At)
		if err != nil {
			return err
		}
		if cfg.Briefing.Interval <= 0 {
			return fmt.Errorf("briefing interval %s: must be positive", cfg.Briefing.Interval)
		}

		officerName := func(code string) (string, bool) { of, ok := o.Officer(code); return of.Name, ok }
		svc := ledger.NewService(st, cat, isDept, clk, ledger.WithCalendar(cal), ledger.WithOfficers(officerName))
		uc := transport.Instrument(transport.UseCasesOf(svc), transport.NewMetrics(app.Registry, depts))
		app.Registry.MustRegister(transport.NewPendingCollector(st, depts))
		// The departments read their assignments from durables outside
		// Tuijin; their lag is exported here, where the assignments start
		// (by the wall clock: the server stamps the acks).
		app.Registry.MustRegister(bus.DepartmentLag(app.JS, depts, time.Now))
		transport.Routes(app.HTTP.Mux, uc, cat, o, app.Log)
		sch := ledger.BriefingSchedule{At: at, BaseURL: strings.TrimRight(cfg.Briefing.URL, "/")}
		app.Go(func(ctx context.Context) error {
			return svc.RunBriefings(ctx, briefings, sch, cfg.Briefing.Interval, app.Log)
		})
		if err := app.Consume(ctx, transport.ProjectRegisteredConsumer, transport.OnProjectRegistered(uc.Items)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.RequestReceivedConsumer, transport.OnRequestReceived(uc.Tasks)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.MeetingDecidedConsumer, transport.OnMeetingDecided(uc.Problems)); err != nil {
			return err
		}
		if err := app.Consume(ctx, transport.DeadlineRecomputedConsumer, transport.OnDeadlineRecomputed(uc.Items)); err != nil {
			return err
		}
		return app.Consume(ctx, transport.SupplementMissedConsumer, transport.OnSupplementMissed(uc.Items))
	}
}
