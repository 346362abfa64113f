package testenv

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSClient is a connection as one user that records the permission
// violations the server reports, so a test can wait for the refusal of
// what the user may not do instead of for a timeout.
type NATSClient struct {
	NC *nats.Conn
	JS jetstream.JetStream

	mu   sync.Mutex
	errs []string
}

// ConnectAs connects to url as user (see NATSAuth) for the test.
func ConnectAs(t testing.TB, url, user string) *NATSClient {
	t.Helper()
	c := &NATSClient{}
	opts := append(NATSAuth(user).Options(), nats.Name(t.Name()+" "+user),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.errs = append(c.errs, err.Error())
		}))
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	c.NC, c.JS = nc, js
	return c
}

// Denied reports whether the server refused op ("publish" or
// "subscription") on subject.
func (c *NATSClient) Denied(op, subject string) bool {
	want := strings.ToLower(fmt.Sprintf("permissions violation for %s to %q", op, subject))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		if strings.Contains(strings.ToLower(e), want) {
			return true
		}
	}
	return false
}

// WaitDenied waits until the server refused op on subject.
func (c *NATSClient) WaitDenied(t testing.TB, op, subject string) {
	t.Helper()
	WaitFor(t, 30*time.Second, op+" to "+subject+" refused", func() bool { return c.Denied(op, subject) })
}

// Violations are the permission violations reported so far.
func (c *NATSClient) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.errs {
		if strings.Contains(strings.ToLower(e), "permissions violation") {
			out = append(out, e)
		}
	}
	return out
}
