package channel

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrPrivateAddress: a webhook would reach the service's own network.
var ErrPrivateAddress = errors.New("webhook address is not on the public internet")

// ErrHostNotAllowed: a webhook's host is not on operations' allow-list.
var ErrHostNotAllowed = errors.New("webhook host is not on the allow-list set by operations")

// Guard keeps webhook calls off the service's own network: whoever may set
// a department's webhook could otherwise make the service POST to internal
// systems or to the cloud's metadata address (169.254.169.254). The check
// is made on the address actually dialled, after DNS, so a name that
// resolves to a private address is refused too. AllowPrivate lifts it, for
// test rigs and for sites whose chat robots run on the internal network.
//
// Hosts, when set, is operations' allow-list: a webhook's host must be one
// of them, or under one written "*.example.cn"; it is checked when a
// preference is set and again on every call, redirects included, so a URL
// stored before the list was narrowed is not called either.
type Guard struct {
	AllowPrivate bool
	Hosts        []string
}

// hostAllowed reports whether host is on the allow-list (any host when
// there is none).
func (g Guard) hostAllowed(host string) bool {
	if len(g.Hosts) == 0 {
		return true
	}
	for _, h := range g.Hosts {
		h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
		if suffix, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == h {
			return true
		}
	}
	return false
}

// CheckURL refuses a webhook URL that is not http(s) with a host, or whose
// host is a private address or localhost; names are checked when dialled.
func (g Guard) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return errors.New("webhook must be an http or https URL")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if !g.hostAllowed(host) {
		return fmt.Errorf("%w: %s", ErrHostNotAllowed, host)
	}
	if g.AllowPrivate {
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ErrPrivateAddress
	}
	if ip, err := netip.ParseAddr(host); err == nil && private(ip) {
		return ErrPrivateAddress
	}
	return nil
}

// Client is an HTTP client for webhooks: no proxy from the environment, the
// dialled address checked, redirects checked and limited, timeout bounded.
func (g Guard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: g.control}
	return &http.Client{
		Timeout: timeout,
		Transport: checkedTransport{guard: g, next: &http.Transport{
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
		}},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("webhook redirected too often")
			}
			return g.CheckURL(req.URL.String())
		},
	}
}

// checkedTransport checks every request's URL before it leaves.
type checkedTransport struct {
	guard Guard
	next  http.RoundTripper
}

func (t checkedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.guard.CheckURL(req.URL.String()); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	return t.next.RoundTrip(req)
}

func (g Guard) control(_, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %s: %w", address, err)
	}
	if private(ap.Addr()) {
		return fmt.Errorf("webhook dial %s: %w", address, ErrPrivateAddress)
	}
	return nil
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// private reports an address that is not a public unicast one.
func private(ip netip.Addr) bool {
	ip = ip.Unmap()
	return !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() ||
		cgnat.Contains(ip) || ip.Is4() && ip.As4()[0] == 0
}
