package httpx

import (
	"container/list"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// RateLimit is the token bucket every client gets on every route: Rate
// requests per second on average, Burst at once. A Rate of 0 turns limiting
// off. /metrics, /healthz and /readyz are never limited: the operators'
// probes must not compete with the traffic they watch.
type RateLimit struct {
	Rate  float64
	Burst int
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the service. Only a request arriving from one of them is keyed by the
	// X-Forwarded-For entry the proxies appended; anyone else could write
	// any address there and get a fresh bucket per request.
	TrustedProxies []netip.Prefix
	// MaxBuckets bounds the (client, route) buckets kept; beyond it the
	// least recently used is forgotten. 0 is DefaultMaxBuckets.
	MaxBuckets int
}

// DefaultMaxBuckets keeps memory bounded (about 200 bytes a bucket) however
// many addresses a flood comes from.
const DefaultMaxBuckets = 100_000

// unlimitedRoutes are the operational routes (route labels, see routeLabel).
var unlimitedRoutes = map[string]bool{"/metrics": true, "/healthz": true, "/readyz": true}

// rateLimiter holds one bucket per client address and route pattern in a
// least-recently-used list: a bucket idle long enough to be full again is
// dropped, since a new one starts full too; when MaxBuckets are in use the
// least recently used goes first.
type rateLimiter struct {
	cfg     RateLimit
	idle    time.Duration
	now     func() time.Time
	limited *prometheus.CounterVec

	mu      sync.Mutex
	lru     *list.List // of *bucket, most recent at the front
	buckets map[bucketKey]*list.Element
}

type bucketKey struct {
	client netip.Addr
	route  string
}

type bucket struct {
	key  bucketKey
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(cfg RateLimit, reg prometheus.Registerer, now func() time.Time) (*rateLimiter, error) {
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		return nil, fmt.Errorf("rate limit: rate %v must be a finite number ≥ 0", cfg.Rate)
	}
	if cfg.Rate > 0 && cfg.Burst < 1 {
		return nil, fmt.Errorf("rate limit: burst %d must be at least 1", cfg.Burst)
	}
	if cfg.MaxBuckets <= 0 {
		cfg.MaxBuckets = DefaultMaxBuckets
	}
	l := &rateLimiter{cfg: cfg, now: now, lru: list.New(), buckets: map[bucketKey]*list.Element{},
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_http_rate_limited_total",
			Help: "HTTP requests refused with 429 because the client exceeded its rate on the route, by route pattern.",
		}, []string{"route"})}
	if cfg.Rate > 0 {
		l.idle = time.Duration(float64(cfg.Burst) / cfg.Rate * float64(time.Second))
	}
	if err := reg.Register(l.limited); err != nil {
		return nil, fmt.Errorf("register rate limit metrics: %w", err)
	}
	return l, nil
}

// allow takes a token from the client's bucket on route, or says how long
// until one is there.
func (l *rateLimiter) allow(r *http.Request, route string) (bool, time.Duration) {
	if l.cfg.Rate == 0 || unlimitedRoutes[route] {
		return true, 0
	}
	key := bucketKey{client: l.client(r), route: route}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now)
	var b *bucket
	if e, ok := l.buckets[key]; ok {
		b = e.Value.(*bucket)
		l.lru.MoveToFront(e)
	} else {
		if l.lru.Len() >= l.cfg.MaxBuckets {
			l.drop(l.lru.Back())
		}
		b = &bucket{key: key, lim: rate.NewLimiter(rate.Limit(l.cfg.Rate), l.cfg.Burst)}
		l.buckets[key] = l.lru.PushFront(b)
	}
	b.seen = now
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	l.limited.WithLabelValues(route).Inc()
	missing := 1 - b.lim.TokensAt(now)
	return false, time.Duration(missing / l.cfg.Rate * float64(time.Second))
}

// expire drops the buckets idle long enough to have refilled.
func (l *rateLimiter) expire(now time.Time) {
	for e := l.lru.Back(); e != nil && now.Sub(e.Value.(*bucket).seen) > l.idle; e = l.lru.Back() {
		l.drop(e)
	}
}

func (l *rateLimiter) drop(e *list.Element) {
	delete(l.buckets, e.Value.(*bucket).key)
	l.lru.Remove(e)
}

// size is the number of buckets held (for tests).
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// client is the address a request is keyed by: the connection's peer, or,
// when the peer is a trusted proxy, the nearest untrusted address of
// X-Forwarded-For (proxies append, so the entries on the right are the
// ones our own proxies wrote). An IPv6 client is keyed by its /64, which
// one subscriber usually holds whole.
func (l *rateLimiter) client(r *http.Request) netip.Addr {
	addr := peer(r)
	if l.trusted(addr) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a garbled entry: trust nothing left of it
			}
			addr = hop.Unmap()
			if !l.trusted(addr) {
				break
			}
		}
	}
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return addr
}

func (l *rateLimiter) trusted(a netip.Addr) bool {
	for _, p := range l.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer is the connection's remote address (the zero Addr if unparsable,
// which then shares one bucket).
func peer(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// writeRateLimited answers 429 in the contract's shape; Retry-After is in
// whole seconds, rounded up so that a client that waits it gets a token.
func writeRateLimited(w http.ResponseWriter, route string, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	WriteJSON(w, http.StatusTooManyRequests, ErrorBody{Error: ErrorDetail{Code: "rate_limited",
		Message: fmt.Sprintf("too many requests to %s from this client; retry in %d s", route, secs)}})
}

// ParsePrefixes reads trusted proxies given as addresses or CIDR prefixes
// (10.0.0.0/8, 127.0.0.1, ::1).
func ParsePrefixes(ss []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a prefix", s)
		}
		ps = append(ps, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return ps, nil
}
