package alerts

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// PromtoolVersion is the Prometheus module promtool is built from. The
// binary is kept in bin/tools under a name that carries the version, so a
// second run (or a changed pin) needs no guessing whether it is current.
const PromtoolVersion = "v0.316.0"

var (
	promtoolOnce sync.Once
	promtoolPath string
	promtoolErr  error
)

// Promtool builds promtool with `go install …@version` into
// <repository>/bin/tools the first time (a few minutes on a cold cache; only
// Go is needed) and returns its path. The repository is found from the
// working directory upwards (the folder with go.work), so that every
// module's tests share one binary.
func Promtool() (string, error) {
	promtoolOnce.Do(func() { promtoolPath, promtoolErr = buildPromtool() })
	return promtoolPath, promtoolErr
}

func buildPromtool() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "bin", "tools")
	path := filepath.Join(dir, "promtool-"+PromtoolVersion)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Installed into a private folder and renamed into place, so that two
	// test runs building at once never see half a binary.
	tmp, err := os.MkdirTemp(dir, "promtool-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/prometheus/prometheus/cmd/promtool@"+PromtoolVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: out}
	}
	return path, os.Rename(filepath.Join(tmp, "promtool"), path)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("promtool: no go.work above the working directory")
		}
		dir = parent
	}
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }
