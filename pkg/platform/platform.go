// Package platform wires what every Tuijin service has in common: config from
// env and flags, logging, tracing, MongoDB, JetStream, metrics and the HTTP
// server with /metrics, /healthz and /readyz. A service's main supplies only
// its own parts through Setup.
package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ardanlabs/conf/v3"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/tuijin/tuijin/pkg/audit/trail"
	"github.com/tuijin/tuijin/pkg/auth/token"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/telemetry"
)

// Config is the part of every service's configuration that the platform
// reads. Env vars are TUIJIN_<SECTION>_<FIELD>, flags --<section>-<field>.
type Config struct {
	HTTP struct {
		Addr string `conf:"help:listen address of the API and /metrics"`
		// Rate and Burst are per client address and route; see httpx.RateLimit.
		Rate           float64       `conf:"default:100,help:requests per second a client may make on one route on average (0: no limit)"`
		Burst          int           `conf:"default:200,help:requests a client may make on one route at once"`
		TrustedProxies []string      `conf:"help:addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For is believed (separated by ;)"`
		MaxHeaderBytes int           `conf:"default:32768,help:request line and headers above this answer 431"`
		HandlerTimeout time.Duration `conf:"default:30s,help:deadline of every request (the write timeout is 10s more)"`
	}
	NATS struct {
		URL      string `conf:"default:nats://127.0.0.1:4222,mask"`
		Replicas int    `conf:"default:1,help:replicas of the JetStream streams"`
		// The service's own NATS user (bus.Grants), from the environment.
		User      string `conf:"help:NATS user of this service"`
		Password  string `conf:"mask,help:password of the NATS user"`
		CredsFile string `conf:"help:NATS .creds file (JWT and nkey) instead of a password"`
	}
	Mongo struct {
		URI      string `conf:"default:mongodb://127.0.0.1:27017/,mask"`
		Database string `conf:"help:database owned by this service"`
	}
	Log struct {
		Level string `conf:"default:info"`
	}
	// Auth says which bearer tokens the /v1/ API accepts (see package auth):
	// the local run's issuer by default, the government's OIDC provider in
	// production.
	Auth struct {
		Issuer   string `conf:"default:http://127.0.0.1:8086,help:the iss every bearer token must carry (the OIDC provider's issuer URL)"`
		Audience string `conf:"default:tuijin,help:the aud every bearer token must carry"`
		JWKSURL  string `conf:"default:http://127.0.0.1:8086/.well-known/jwks.json,env:AUTH_JWKS_URL,flag:auth-jwks-url,help:where the issuer publishes its signing keys"`
		JWKSFile string `conf:"env:AUTH_JWKS_FILE,flag:auth-jwks-file,help:a JWKS file with the signing keys, used instead of the URL"`
	}
	ShutdownTimeout time.Duration `conf:"default:10s"`
	OutboxInterval  time.Duration `conf:"default:5s,help:how often undelivered events are swept"`
	Clock           struct {
		Offset time.Duration `conf:"default:0s,help:drills and tests only: run the service's clock this far ahead of real time"`
	}
}

// Defaults returns a Config preset with the service's own address and
// database, which env and flags may still override.
func Defaults(addr, database string) Config {
	var c Config
	c.HTTP.Addr = addr
	c.Mongo.Database = database
	return c
}

// App is what a service's Setup gets to build itself from.
type App struct {
	Name      string
	Log       *slog.Logger
	Registry  *prometheus.Registry
	Tracer    trace.Tracer
	Mongo     *mongo.Client
	DB        *mongo.Database
	NC        *nats.Conn
	JS        jetstream.JetStream
	BusMetric *bus.Metrics
	Publisher *bus.Publisher
	HTTP      *httpx.Server
	// Clock is the time the service's domain runs on: the wall clock, or
	// the wall clock shifted by --clock-offset for a drill.
	Clock clock.Clock
	// Audit is the service's audit trail; requests are recorded by the
	// server and consumed events by Consume, a use case adds its project and
	// what it did with audit.Note.
	Audit *trail.Trail

	// Departments are the organisation's department codes, which the
	// service's consumers accept in events (see bus.ConsumerSpec); set by
	// Setup before Consume.
	Departments []string

	outboxInterval time.Duration
	workers        []func(context.Context) error
}

// Outbox returns the relay for the outboxes of colls and sweeps them in the
// background (see package outbox).
func (a *App) Outbox(colls ...*mongo.Collection) *outbox.Relay {
	r := outbox.NewRelay(a.Publisher, a.Log, colls...)
	a.Go(func(ctx context.Context) error { return r.Run(ctx, a.outboxInterval) })
	return r
}

// Go runs fn alongside the HTTP server until shutdown; fn must return when
// its context is done. An error from fn stops the service.
func (a *App) Go(fn func(context.Context) error) { a.workers = append(a.workers, fn) }

// Consume starts a durable consumer of the events stream with h. Domain
// events it handles are recorded in the audit trail (a service's own timers
// are not: they are its clock, not anyone's command).
func (a *App) Consume(ctx context.Context, spec bus.ConsumerSpec, h bus.Handler) error {
	if spec.Stream == "" || spec.Stream == bus.EventsStream {
		h = a.Audit.Consumer(spec.Durable, h)
	}
	if spec.Departments == nil {
		spec.Departments = a.Departments
	}
	r, err := bus.NewRunner(ctx, a.JS, spec, h, a.Publisher, a.Registry, a.BusMetric, a.Tracer, a.Log)
	if err != nil {
		return err
	}
	a.Go(r.Run)
	return nil
}

// Setup builds a service's own parts on app: routes on app.HTTP.Mux,
// consumers with app.Consume, background work with app.Go.
type Setup func(ctx context.Context, app *App) error

// Configurer is a service's config struct; it embeds Config, which
// provides the method.
type Configurer interface {
	Platform() *Config
}

// Platform returns the platform part of a service's config.
func (c *Config) Platform() *Config { return c }

// Main parses the service's config from env and flags into cfg, runs the
// service until SIGINT/SIGTERM and exits non-zero on failure.
func Main(name string, cfg Configurer, setup Setup) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, name, os.Args[1:], os.Stderr, cfg, setup); err != nil {
		if errors.Is(err, conf.ErrHelpWanted) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Run runs the service until ctx is done. It is Main without the process.
func Run(ctx context.Context, name string, args []string, logw io.Writer, c Configurer, setup Setup) error {
	if err := parseConfig(args, c, logw); err != nil {
		return err
	}
	cfg := c.Platform()
	log, err := telemetry.NewLogger(logw, cfg.Log.Level, name)
	if err != nil {
		return err
	}
	if out, err := conf.String(c); err == nil {
		log.Info("starting", "config", out)
	}

	tp, shutdownTracing, err := telemetry.Tracing(ctx, name)
	if err != nil {
		return err
	}
	defer func() { _ = shutdownTracing(context.Background()) }()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	client, err := mongox.Connect(ctx, cfg.Mongo.URI)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.Background()) }()

	natsAuth := bus.Auth{User: cfg.NATS.User, Password: cfg.NATS.Password, CredsFile: cfg.NATS.CredsFile}
	nc, js, err := bus.Connect(cfg.NATS.URL, "tuijin-"+name, log, natsAuth.Options()...)
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := bus.CreateStreams(ctx, js, cfg.NATS.Replicas, log); err != nil {
		return err
	}

	srv, err := newHTTPServer(cfg, name, reg, tp, log)
	if err != nil {
		return err
	}
	verifier, err := token.NewVerifier(ctx, token.Config{Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience,
		JWKSURL: cfg.Auth.JWKSURL, JWKSFile: cfg.Auth.JWKSFile})
	if err != nil {
		return err
	}
	srv.Authenticate(verifier)
	audits, err := trail.Open(ctx, client.Database(cfg.Mongo.Database), name, log)
	if err != nil {
		return err
	}
	srv.Audit(audits)
	srv.Mux.Handle("GET /v1/audit", audits.Handler(log))
	srv.AddCheck("mongo", mongox.Ready(client))
	srv.AddCheck("nats", bus.Ready(nc))

	bm := bus.NewMetrics(reg)
	tracer := tp.Tracer("tuijin/" + name)
	app := &App{
		Name: name, Log: log, Registry: reg, Tracer: tracer,
		Mongo: client, DB: client.Database(cfg.Mongo.Database),
		NC: nc, JS: js, BusMetric: bm, Publisher: bus.NewPublisher(js, tracer, bm), HTTP: srv,
		Clock:          clock.System{},
		Audit:          audits,
		outboxInterval: cfg.OutboxInterval,
	}
	if cfg.Clock.Offset != 0 {
		app.Clock = clock.Shifted{Offset: cfg.Clock.Offset}
		log.Warn("the clock runs shifted from real time: drills and tests only", "offset", cfg.Clock.Offset)
	}
	if err := setup(ctx, app); err != nil {
		return fmt.Errorf("setup: %w", err)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Run(gctx, cfg.ShutdownTimeout) })
	for _, w := range app.workers {
		g.Go(func() error { return w(gctx) })
	}
	log.Info("ready", "addr", srv.Addr())
	err = g.Wait()
	log.Info("stopped", "err", err)
	return err
}

func parseConfig(args []string, cfg any, out io.Writer) error {
	// conf reads os.Args; hand it ours so that Run does not depend on the
	// process it happens to run in.
	saved := os.Args
	os.Args = append([]string{saved[0]}, args...)
	defer func() { os.Args = saved }()
	help, err := conf.Parse("TUIJIN", cfg)
	if errors.Is(err, conf.ErrHelpWanted) {
		fmt.Fprintln(out, help)
	}
	return err
}
