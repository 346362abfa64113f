package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check reports whether a dependency is usable; /readyz runs them all.
type Check func(ctx context.Context) error

// Server is a service's HTTP listener: its API plus /metrics, /healthz and
// /readyz.
type Server struct {
	Mux    *http.ServeMux
	log    *slog.Logger
	srv    *http.Server
	ln     net.Listener
	checks map[string]Check
	adm    *admission
	auth   Authenticator
	audit  Auditor
	errs   func(context.Context, error, http.ResponseWriter)
}

// Authenticator proves who sent a request: it returns the request's context
// carrying the caller, or an error the contract's shape answers (401).
type Authenticator interface {
	Authenticate(r *http.Request) (context.Context, error)
}

// NewServer listens on addr at once, so that a port clash fails start-up
// rather than surfacing later. Without options it has the default limits
// and no rate limit.
func NewServer(addr, service string, reg *prometheus.Registry, log *slog.Logger, opts ...Option) (*Server, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	metrics, err := newRequestMetrics(reg)
	if err != nil {
		return nil, err
	}
	limiter, err := newRateLimiter(o.rate, reg, o.now)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	s := &Server{Mux: http.NewServeMux(), log: log, ln: ln, checks: map[string]Check{}, errs: ErrorEncoder(log),
		adm: &admission{maxHeaderBytes: o.maxHeaderBytes, handlerTimeout: o.handlerTimeout, limiter: limiter}}
	s.Mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	s.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.Mux.HandleFunc("GET /readyz", s.ready)
	s.srv = &http.Server{
		Handler: traced(metrics.wrap(s.Mux, s), service, o.tracing, o.tracePages),
		// The reasons for each limit and their order: admission.go.
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		WriteTimeout:      o.writeTimeout(),
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    netMaxHeaderBytes,
	}
	return s, nil
}

// Timeouts are the limits a Server applies to every request (their reasons
// and order: admission.go).
type Timeouts struct {
	ReadHeader, Read, Handler, Write, Idle time.Duration
}

// Timeouts returns the server's limits, as its listener applies them.
func (s *Server) Timeouts() Timeouts {
	return Timeouts{ReadHeader: s.srv.ReadHeaderTimeout, Read: s.srv.ReadTimeout, Handler: s.adm.handlerTimeout,
		Write: s.srv.WriteTimeout, Idle: s.srv.IdleTimeout}
}

// Addr is the address actually listened on (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Auditor records requests: Begin prepares one before its route serves it,
// End records how it was answered (see package audit).
type Auditor interface {
	Begin(r *http.Request) *http.Request
	End(r *http.Request, pattern string, status int)
}

// Audit records every request with a (see package audit). Call it before
// Run.
func (s *Server) Audit(a Auditor) { s.audit = a }

// Authenticate makes every request under /v1/ prove its caller (a bearer
// token) before any route sees it; /metrics, /healthz and /readyz stay
// open. Call it before Run.
func (s *Server) Authenticate(a Authenticator) { s.auth = a }

// APIPrefix is the path prefix of the authenticated API.
const APIPrefix = "/v1/"

func (s *Server) guard(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if s.auth == nil || !strings.HasPrefix(r.URL.Path, APIPrefix) {
		return r, true
	}
	ctx, err := s.auth.Authenticate(r)
	if err != nil {
		s.log.DebugContext(r.Context(), "unauthenticated", "path", r.URL.Path, "err", err)
		s.errs(r.Context(), err, w)
		return nil, false
	}
	return r.WithContext(ctx), true
}

// AddCheck registers a readiness check.
func (s *Server) AddCheck(name string, c Check) { s.checks[name] = c }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	failed := map[string]string{}
	for name, c := range s.checks {
		if err := c(ctx); err != nil {
			// The cause, with its addresses, goes to the log only.
			s.log.WarnContext(ctx, "not ready", "check", name, "err", err)
			failed[name] = "unavailable"
		}
	}
	if len(failed) > 0 {
		WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "failed": failed})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Run serves until ctx is done, then shuts down gracefully within grace.
func (s *Server) Run(ctx context.Context, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
