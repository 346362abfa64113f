// Package api is the portal's side of the five services' HTTP APIs:
// typed calls made with the signed-in user's bearer token, and the
// contract's error shape turned into Error. It holds no state of its own.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Service names the upstream a call goes to, as error pages and metrics
// name it.
type Service string

// The upstreams of the portal.
const (
	ServiceIssuer       Service = "issuer"
	ServiceIntake       Service = "intake"
	ServiceLedger       Service = "ledger"
	ServiceDeadline     Service = "deadline"
	ServiceMeeting      Service = "coordination-meeting"
	ServiceNotification Service = "notification"
)

// Endpoints are the base URLs of the upstreams (scheme://host:port).
type Endpoints struct {
	Intake       string
	Ledger       string
	Deadline     string
	Meeting      string
	Notification string
}

// Error is an answer of an upstream other than 2xx, in the contract's
// shape {"error":{"code","message","field"}}.
type Error struct {
	Service Service
	Status  int
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %d %s: %s", e.Service, e.Status, e.Code, e.Message)
}

// ErrUnavailable wraps a call that got no answer: the upstream is down,
// unreachable or too slow.
var ErrUnavailable = errors.New("service unavailable")

// Unavailable is the error of a call to service that got no answer.
type Unavailable struct {
	Service Service
	Err     error
}

func (e *Unavailable) Error() string   { return fmt.Sprintf("%s unavailable: %v", e.Service, e.Err) }
func (e *Unavailable) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// StatusOf is the upstream status of err, 0 when err is no Error.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Client calls the upstreams.
type Client struct {
	http    *http.Client
	at      Endpoints
	metrics *metrics
}

// New returns a client of the upstreams at, over hc, counting calls in reg.
func New(hc *http.Client, at Endpoints, reg prometheus.Registerer) (*Client, error) {
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &Client{http: hc, at: at, metrics: m}, nil
}

// maxAnswer bounds what the portal reads of an answer: a work queue page
// of 500 items fits many times over.
const maxAnswer = 8 << 20

// call sends method url with body (JSON, when not nil) and the bearer
// token (when not empty) and decodes a 2xx answer into out (when not nil).
func (c *Client) call(ctx context.Context, svc Service, token, method, u string, body, out any) error {
	var rd io.Reader
	h := http.Header{}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
		h.Set("Content-Type", "application/json")
	}
	resp, err := c.do(ctx, svc, token, method, u, h, rd)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeAnswer(svc, resp, out)
}

// do sends one request to svc and counts it; no answer is Unavailable.
func (c *Client) do(ctx context.Context, svc Service, token, method, u string, h http.Header, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range h {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.metrics.observe(svc, "error", start)
		return nil, &Unavailable{Service: svc, Err: err}
	}
	c.metrics.observe(svc, strconv.Itoa(resp.StatusCode), start)
	return resp, nil
}

// decodeAnswer decodes a 2xx answer into out (when not nil), and any other
// into Error from the contract's shape.
func decodeAnswer(svc Service, resp *http.Response, out any) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &Unavailable{Service: svc, Err: err}
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Service: svc, Status: resp.StatusCode}
		var shape struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Field   string `json:"field"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &shape) == nil {
			e.Code, e.Message, e.Field = shape.Error.Code, shape.Error.Message, shape.Error.Field
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", svc, resp.Request.URL.Path, err)
	}
	return nil
}

func join(base, path string, q url.Values) string {
	u := strings.TrimSuffix(base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

type metrics struct {
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_portal_upstream_requests_total",
			Help: "Calls of the portal to the services and the issuer, by upstream and answer status (error: no answer).",
		}, []string{"upstream", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tuijin_portal_upstream_request_duration_seconds",
			Help:    "Time of the portal's calls to the services and the issuer, by upstream.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"upstream"}),
	}
	for _, col := range []prometheus.Collector{m.calls, m.duration} {
		if err := reg.Register(col); err != nil {
			return nil, fmt.Errorf("register portal metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(svc Service, code string, start time.Time) {
	m.calls.WithLabelValues(string(svc), code).Inc()
	m.duration.WithLabelValues(string(svc)).Observe(time.Since(start).Seconds())
}
