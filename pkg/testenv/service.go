package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/platform"
)

// Service runs a service in process as its main does (platform.Run with
// setup and cfg) on a free loopback port until the test ends, and returns
// its base URL. The service must stop cleanly at the end; its log is shown
// when the test fails.
func Service(t testing.TB, name string, cfg platform.Configurer, setup platform.Setup, args ...string) string {
	t.Helper()
	return ServiceAt(t, nil, name, cfg, setup, args...)
}

// ServiceAt is Service with the service's domain running on clk (nil: the
// platform's own clock), so a test can move time.
func ServiceAt(t testing.TB, clk clock.Clock, name string, cfg platform.Configurer, setup platform.Setup, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	wrapped := func(ctx context.Context, app *platform.App) error {
		if clk != nil {
			app.Clock = clk
		}
		if err := setup(ctx, app); err != nil {
			return err
		}
		addr <- app.HTTP.Addr()
		return nil
	}
	logs := &LogBuffer{}
	var runErr error
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		// The service's own NATS user first: a test's args may override.
		runErr = platform.Run(ctx, name, append(append(append([]string{"--http-addr=127.0.0.1:0"}, AuthArgs(t)...), NATSArgs(name)...), args...), logs, cfg, wrapped)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
		if runErr != nil {
			t.Errorf("%s stopped with %v", name, runErr)
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, logs.String())
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case <-stopped:
		t.Fatalf("%s did not start: %v", name, runErr)
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start within 60s", name)
	}
	return ""
}
