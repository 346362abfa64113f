package platform

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuijin/tuijin/pkg/httpx"
)

// newHTTPServer builds the service's HTTP server with the limits of cfg and
// a server span of tp for every API request.
func newHTTPServer(cfg *Config, name string, reg *prometheus.Registry, tp trace.TracerProvider, log *slog.Logger) (*httpx.Server, error) {
	proxies, err := httpx.ParsePrefixes(cfg.HTTP.TrustedProxies)
	if err != nil {
		return nil, err
	}
	return httpx.NewServer(cfg.HTTP.Addr, name, reg, log,
		httpx.WithRateLimit(httpx.RateLimit{Rate: cfg.HTTP.Rate, Burst: cfg.HTTP.Burst, TrustedProxies: proxies}),
		httpx.WithMaxHeaderBytes(cfg.HTTP.MaxHeaderBytes),
		httpx.WithHandlerTimeout(cfg.HTTP.HandlerTimeout),
		httpx.WithTracing(tp))
}
