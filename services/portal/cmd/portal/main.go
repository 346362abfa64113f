// Command portal serves Tuijin's web pages (门户): owners follow their
// projects, department clerks work their queue. Every page is made from the
// five services' APIs with the signed-in user's token; the portal holds no
// business state, needs neither NATS nor MongoDB, and scales by running
// more of it.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ardanlabs/conf/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/telemetry"
	"github.com/tuijin/tuijin/services/portal/internal/api"
	"github.com/tuijin/tuijin/services/portal/internal/signin"
	"github.com/tuijin/tuijin/services/portal/internal/web"
)

// config is the portal's configuration: env TUIJIN_<SECTION>_<FIELD>,
// flags --<section>-<field>.
type config struct {
	HTTP struct {
		Addr string `conf:"default:127.0.0.1:8080,help:listen address of the pages and /metrics"`
		// HandlerTimeout outlasts UpstreamTimeout: a page whose service was
		// slow still gets the time to answer with the service's error.
		HandlerTimeout time.Duration `conf:"default:50s,help:deadline of every page (the write timeout is 10s more); longer than the upstream timeout"`
	}
	Log struct {
		Level string `conf:"default:info"`
	}
	// Auth is the OpenID Connect provider and the portal as its client.
	// The client secret is read from TUIJIN_AUTH_CLIENT_SECRET only, never
	// a flag, so that it shows in no process list.
	Auth struct {
		Issuer      string `conf:"default:http://127.0.0.1:8086,help:the OpenID Connect provider (issuer identifier; discovery at <issuer>/.well-known/openid-configuration)"`
		ClientID    string `conf:"default:tuijin-portal,help:the portal's client id at the provider (the aud of its ID tokens)"`
		RedirectURL string `conf:"help:the portal's callback as registered at the provider (empty: http://<http-addr>/auth/callback)"`
	}
	Intake struct {
		URL string `conf:"default:http://127.0.0.1:8081"`
	}
	Ledger struct {
		URL string `conf:"default:http://127.0.0.1:8082"`
	}
	Deadline struct {
		URL string `conf:"default:http://127.0.0.1:8083"`
	}
	Meeting struct {
		URL string `conf:"default:http://127.0.0.1:8084,help:coordination-meeting"`
	}
	Notification struct {
		URL string `conf:"default:http://127.0.0.1:8085"`
	}
	Cookie struct {
		Secure bool `conf:"help:mark cookies Secure on plain HTTP too (behind a TLS-terminating proxy); over TLS they always are"`
	}
	CSRF struct {
		Secret string `conf:"mask,help:key of the forms' CSRF tokens, 32 bytes or more, the same on every replica (empty: random at start, so forms open across a restart must be sent again)"`
	}
	OrgFile  string `conf:"help:organisation YAML naming departments and officers (empty: the demo organisation)"`
	Calendar struct {
		Dir string `conf:"help:per-year holiday files laid over the shipped ones, as the services read them; due dates in years without data are marked provisional"`
	}
	// UpstreamTimeout outlasts the services' own write timeout (handler
	// deadline 30s + 10s): the portal hears a service's answer, its 503
	// "timeout" included, rather than giving up first and leaving the
	// user unsure whether a write landed.
	UpstreamTimeout time.Duration `conf:"default:45s,help:longest wait for a service's answer; longer than the services' write timeout"`
	ShutdownTimeout time.Duration `conf:"default:10s"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, conf.ErrHelpWanted) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "portal: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, logw io.Writer) error {
	var cfg config
	if err := parseConfig(args, &cfg, logw); err != nil {
		return err
	}
	log, err := telemetry.NewLogger(logw, cfg.Log.Level, "portal")
	if err != nil {
		return err
	}
	if out, err := conf.String(&cfg); err == nil {
		log.Info("starting", "config", out)
	}
	secret := []byte(cfg.CSRF.Secret)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret) // never fails (crypto/rand)
		log.Warn("no TUIJIN_CSRF_SECRET: a random one for this run; replicas need a shared one")
	}
	o, err := org.Load(cfg.OrgFile)
	if err != nil {
		return err
	}
	cal, _, err := workday.Load(cfg.Calendar.Dir)
	if err != nil {
		return err
	}

	tp, shutdownTracing, err := telemetry.Tracing(ctx, "portal")
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdownTracing(sctx)
	}()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := newServer(&cfg, reg, tp, log)
	if err != nil {
		return err
	}
	site, err := newSite(&cfg, os.Getenv("TUIJIN_AUTH_CLIENT_SECRET"), secret, o, cal, reg, tp, log)
	if err != nil {
		return err
	}
	site.Routes(srv.Mux)

	log.Info("ready", "addr", srv.Addr())
	err = srv.Run(ctx, cfg.ShutdownTimeout)
	log.Info("stopped", "err", err)
	return err
}

// newSite is the portal's pages with what they are made from: the
// services' APIs and the sign-in provider, both over the traced upstream
// client.
func newSite(cfg *config, clientSecret string, csrfSecret []byte, o *org.Org, cal workday.Calendar,
	reg prometheus.Registerer, tp trace.TracerProvider, log *slog.Logger) (*web.Server, error) {
	hc := upstreamClient(cfg, tp)
	client, err := api.New(hc, api.Endpoints{
		Intake: cfg.Intake.URL, Ledger: cfg.Ledger.URL, Deadline: cfg.Deadline.URL,
		Meeting: cfg.Meeting.URL, Notification: cfg.Notification.URL,
	}, reg)
	if err != nil {
		return nil, err
	}
	redirect := cfg.Auth.RedirectURL
	if redirect == "" {
		redirect = "http://" + cfg.HTTP.Addr + "/auth/callback"
	}
	prov, err := signin.New(signin.Config{Issuer: cfg.Auth.Issuer, ClientID: cfg.Auth.ClientID, ClientSecret: clientSecret,
		RedirectURL: redirect, HTTP: hc})
	if err != nil {
		return nil, err
	}
	log.Info("sign-in", "issuer", cfg.Auth.Issuer, "client_id", cfg.Auth.ClientID, "redirect_url", redirect,
		"client_secret", clientSecret != "")
	return web.New(web.Deps{Backend: client, Forms: client, Work: client, Lead: client, SignIn: prov, Org: o, Calendar: cal,
		Secret: csrfSecret, SecureCookies: cfg.Cookie.Secure, Log: log})
}

// upstreamClient is the client of the services' APIs and the provider: a
// client span of tp for every call, and its traceparent sent along, so
// that a page and the calls it makes are one trace.
func upstreamClient(cfg *config, tp trace.TracerProvider) *http.Client {
	return &http.Client{Timeout: cfg.UpstreamTimeout, Transport: otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}))}
}

// newServer is the portal's own HTTP server, with a server span of tp for
// every page.
func newServer(cfg *config, reg *prometheus.Registry, tp trace.TracerProvider, log *slog.Logger) (*httpx.Server, error) {
	return httpx.NewServer(cfg.HTTP.Addr, "portal", reg, log, httpx.WithHandlerTimeout(cfg.HTTP.HandlerTimeout),
		httpx.WithPageTracing(tp))
}

func parseConfig(args []string, cfg any, out io.Writer) error {
	// conf reads os.Args; hand it ours so that run does not depend on the
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
