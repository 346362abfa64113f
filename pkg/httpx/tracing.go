package httpx

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// WithTracing starts a server span of tp for every request under /v1/,
// continuing the caller's trace when the request carries a W3C traceparent.
// The spans of /metrics, /healthz and /readyz would be noise: they have
// none. Without this option the server traces nothing.
func WithTracing(tp trace.TracerProvider) Option { return func(o *options) { o.tracing = tp } }

// WithPageTracing is WithTracing for a server of web pages (the portal):
// every request has a server span but /metrics, /healthz, /readyz and the
// static files under /static/.
func WithPageTracing(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracing, o.tracePages = tp, true }
}

// traced wraps h in the server span (otelhttp), with the tracer provider
// and propagator given, not the process-wide ones.
func traced(h http.Handler, service string, tp trace.TracerProvider, pages bool) http.Handler {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	filter := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, APIPrefix) }
	if pages {
		filter = func(r *http.Request) bool {
			switch p := r.URL.Path; {
			case p == "/metrics", p == "/healthz", p == "/readyz", strings.HasPrefix(p, "/static/"):
				return false
			}
			return true
		}
	}
	return otelhttp.NewHandler(h, service,
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithFilter(filter))
}

// nameSpan names the request's server span after its route pattern, once
// the mux has matched it ("POST /v1/projects"): the path would put project
// codes and ids in span names.
func nameSpan(r *http.Request, method, route string) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() {
		return
	}
	span.SetName(method + " " + route)
	span.SetAttributes(semconv.HTTPRoute(route))
}
