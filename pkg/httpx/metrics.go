package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// requestMetrics counts and times every request by the route pattern that
// served it, never by its path, so that label values stay bounded: a path
// carries project codes and ids, a pattern does not.
type requestMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newRequestMetrics(reg prometheus.Registerer) (*requestMetrics, error) {
	m := &requestMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tuijin_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register http metrics: %w", err)
		}
	}
	return m, nil
}

// wrap serves mux to the requests the server's admission lets in and its
// guard authenticates, and records every request by the route pattern that
// matches it, refused ones included.
func (m *requestMetrics) wrap(mux *http.ServeMux, s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		_, pattern := mux.Handler(r)
		route := routeLabel(pattern)
		method := methodLabel(r.Method)
		nameSpan(r, method, route)
		if req, done, ok := s.adm.admit(rec, r, route); ok {
			// Admitted requests only are audited: a refused flood (431, 429)
			// must not turn into as many writes.
			served := req
			if authed, ok := s.guard(rec, req); ok {
				served = authed
				if s.audit != nil {
					served = s.audit.Begin(served)
				}
				if pattern == "" {
					serveUnmatched(mux, rec, served)
				} else {
					mux.ServeHTTP(rec, served)
				}
			}
			done()
			if s.audit != nil {
				s.audit.End(served, pattern, rec.status())
			}
		}
		code := rec.status()
		// A client that hung up got no answer; whatever failed after it
		// left is not the service's fault and must not page anyone as a 5xx.
		if code >= 500 && errors.Is(r.Context().Err(), context.Canceled) {
			code = StatusClientClosedRequest
		}
		m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	})
}

// routeLabel is the path part of a pattern such as "GET /v1/items/{id}";
// requests no pattern matched share one value.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return pattern[i+1:]
	}
	return pattern
}

// methodLabel keeps the methods of HTTP and folds whatever else a client
// sends into one value.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
