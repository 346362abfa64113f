package alerts_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// promtoolVersion is the Prometheus module promtool is built from. The
// binary is kept in bin/tools under a name that carries the version, so a
// second run (or a changed pin) needs no guessing whether it is current.
const promtoolVersion = "v0.316.0"

var (
	promtoolOnce sync.Once
	promtoolPath string
	promtoolErr  error
)

// promtool builds promtool with `go install …@version` the first time (a
// few minutes on a cold cache) and returns its path. Only Go is needed.
func promtool(t *testing.T) string {
	t.Helper()
	promtoolOnce.Do(func() {
		dir, err := filepath.Abs(filepath.Join("..", "..", "bin", "tools"))
		if err != nil {
			promtoolErr = err
			return
		}
		promtoolPath = filepath.Join(dir, "promtool-"+promtoolVersion)
		if _, err := os.Stat(promtoolPath); err == nil {
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			promtoolErr = err
			return
		}
		// Installed into a private folder and renamed into place, so that
		// two test runs building at once never see half a binary.
		tmp, err := os.MkdirTemp(dir, "promtool-build-")
		if err != nil {
			promtoolErr = err
			return
		}
		defer os.RemoveAll(tmp)
		ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "install", "github.com/prometheus/prometheus/cmd/promtool@"+promtoolVersion)
		cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			promtoolErr = &buildError{err: err, out: out}
			return
		}
		promtoolErr = os.Rename(filepath.Join(tmp, "promtool"), promtoolPath)
	})
	if promtoolErr != nil {
		t.Fatalf("promtool %s could not be built from the module proxy: %v", promtoolVersion, promtoolErr)
	}
	return promtoolPath
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

// runPromtool runs promtool with args in this folder and fails the test
// with its output unless it exits 0.
func runPromtool(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}
