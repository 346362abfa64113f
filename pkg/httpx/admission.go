package httpx

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Limits of a request, each with the reason for its value:
//
//   - ReadHeaderTimeout < ReadTimeout: headers are small, a slow header is a
//     held connection (slowloris);
//   - ReadTimeout bounds reading the whole request, an 8 MiB import on a
//     slow line included;
//   - HandlerTimeout is the request context's deadline: the database calls
//     honour it and the caller gets a 503 "timeout" in the contract's shape;
//   - WriteTimeout is measured from the end of the headers and cuts the
//     connection without a word, so it must leave the handler its whole
//     budget plus time to write the biggest answer (the ledger export);
//   - clients (tuijin-local's demo, department systems) should wait longer
//     than WriteTimeout, so that they see the server's answer, never their
//     own timeout first (see the README).
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 20 * time.Second
	DefaultHandlerTimeout    = 30 * time.Second
	DefaultWriteTimeout      = DefaultHandlerTimeout + 10*time.Second
	DefaultIdleTimeout       = 2 * time.Minute
)

// DefaultMaxHeaderBytes is the request line and headers a request may
// carry (a bearer token is a few KiB). net/http answers a bigger request
// itself, in plain text, before any handler runs; the server therefore lets
// netMaxHeaderBytes through and answers between the two in JSON.
const (
	DefaultMaxHeaderBytes = 32 << 10
	netMaxHeaderBytes     = 1 << 20
)

// Option sets a limit of a Server.
type Option func(*options)

type options struct {
	rate           RateLimit
	maxHeaderBytes int
	handlerTimeout time.Duration
	tracing        trace.TracerProvider
	tracePages     bool
	now            func() time.Time
}

// WithRateLimit limits every client on every route (see RateLimit).
func WithRateLimit(rl RateLimit) Option { return func(o *options) { o.rate = rl } }

// WithMaxHeaderBytes sets the limit of the request line and headers; above
// it the answer is 431 in the contract's shape.
func WithMaxHeaderBytes(n int) Option { return func(o *options) { o.maxHeaderBytes = n } }

// WithHandlerTimeout sets the deadline of every request's context; the
// server's write timeout follows it.
func WithHandlerTimeout(d time.Duration) Option { return func(o *options) { o.handlerTimeout = d } }

func newOptions(opts []Option) (options, error) {
	o := options{maxHeaderBytes: DefaultMaxHeaderBytes, handlerTimeout: DefaultHandlerTimeout, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxHeaderBytes <= 0 || o.maxHeaderBytes > netMaxHeaderBytes {
		return o, fmt.Errorf("max header bytes %d must be in 1..%d", o.maxHeaderBytes, netMaxHeaderBytes)
	}
	if o.handlerTimeout <= 0 {
		return o, fmt.Errorf("handler timeout %s must be positive", o.handlerTimeout)
	}
	return o, nil
}

// writeTimeout leaves the handler its budget and the answer time to go out.
func (o options) writeTimeout() time.Duration {
	return o.handlerTimeout + (DefaultWriteTimeout - DefaultHandlerTimeout)
}

// admission is what every request passes before a route serves it.
type admission struct {
	maxHeaderBytes int
	handlerTimeout time.Duration
	limiter        *rateLimiter
}

// admit answers the request itself when it must not reach its route (431,
// 429) and returns false; else it returns the request to serve, bounded by
// the handler deadline, and a cancel to call when it is served.
func (a *admission) admit(w http.ResponseWriter, r *http.Request, route string) (*http.Request, context.CancelFunc, bool) {
	if n := headerBytes(r); n > a.maxHeaderBytes {
		WriteJSON(w, http.StatusRequestHeaderFieldsTooLarge, ErrorBody{Error: ErrorDetail{Code: "headers_too_large",
			Message: fmt.Sprintf("the request line and headers take %d bytes; the limit is %d", n, a.maxHeaderBytes)}})
		return nil, nil, false
	}
	if ok, wait := a.limiter.allow(r, route); !ok {
		writeRateLimited(w, route, wait)
		return nil, nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.handlerTimeout)
	return r.WithContext(ctx), cancel, true
}

// headerBytes is about what net/http counts against MaxHeaderBytes: the
// request line and every header line.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len(r.Host) + len("Host: \r\n")
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}
