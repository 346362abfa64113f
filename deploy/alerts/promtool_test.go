package alerts_test

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/tuijin/tuijin/deploy/alerts"
)

// promtool returns the promtool binary, built once for every module's tests.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := alerts.Promtool()
	if err != nil {
		t.Fatalf("promtool %s could not be built from the module proxy: %v", alerts.PromtoolVersion, err)
	}
	return path
}

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
