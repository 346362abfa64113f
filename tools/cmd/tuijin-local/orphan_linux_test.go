package main

import (
	"syscall"
	"testing"
	"time"

	"github.com/tuijin/tuijin/tools/stack"
)

// TestKilledLauncherLeavesNoService: SIGKILL of the launcher takes its
// embedded servers with it, and the parent-death signal ends every
// service, so none is left running orphaned; the logs stay on disk.
func TestKilledLauncherLeavesNoService(t *testing.T) {
	l := startLauncher(t)
	pids := map[string]int{}
	for _, s := range stack.Services {
		pids[s.Name] = l.pid(s.Name)
		if !alive(pids[s.Name]) {
			t.Fatalf("%s: pid %d not running", s.Name, pids[s.Name])
		}
	}
	// Should a service survive, the test still must not leave it behind.
	t.Cleanup(func() {
		for _, pid := range pids {
			if alive(pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	signalAndWait(t, l, syscall.SIGKILL)
	start := time.Now()
	for name, pid := range pids {
		testWait(t, time.Minute, name+" to exit after the launcher was killed", func() bool { return !alive(pid) })
		if log := l.log(name); len(log) == 0 {
			t.Fatalf("%s: log empty", name)
		}
	}
	t.Logf("all five services gone %s after the launcher's SIGKILL", time.Since(start).Round(time.Millisecond))
}
