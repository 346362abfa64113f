package stack

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"
)

func TestBackoffNext(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second, Reset: 30 * time.Second}
	for _, c := range []struct {
		name      string
		prev, ran time.Duration
		want      time.Duration
	}{
		{"first exit", 0, time.Second, 100 * time.Millisecond},
		{"quick second exit doubles", 100 * time.Millisecond, time.Second, 200 * time.Millisecond},
		{"doubling is capped", 800 * time.Millisecond, 0, time.Second},
		{"stays at the cap", time.Second, 0, time.Second},
		{"a healthy run starts over", time.Second, 30 * time.Second, 100 * time.Millisecond},
	} {
		if got := b.next(c.prev, c.ran); got != c.want {
			t.Errorf("%s: next(%s, %s) = %s, want %s", c.name, c.prev, c.ran, got, c.want)
		}
	}
}

// TestSupervisorBacksOffACrashLoop runs a program that exits at once: the
// supervisor keeps restarting it, each wait twice the last up to the cap,
// records every run in the log, and Stop ends it during a wait.
func TestSupervisorBacksOffACrashLoop(t *testing.T) {
	bin, err := exec.LookPath("false")
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "crashy.log")
	s := Supervise(Unit{Name: "crashy", Bin: bin, Addr: "127.0.0.1:1", LogPath: logPath},
		Backoff{Min: 20 * time.Millisecond, Max: 80 * time.Millisecond, Reset: time.Hour},
		os.Stderr, slog.New(slog.DiscardHandler))
	end := time.Now().Add(time.Minute)
	for s.Starts() < 6 {
		if time.Now().After(end) {
			t.Fatalf("started %d times in a minute", s.Starts())
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopped := time.Now()
	// Stop may catch false running, and SIGTERM ends it with that signal.
	var exit *exec.ExitError
	if err := s.Stop(time.Second); err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	if d := time.Since(stopped); d > time.Second {
		t.Fatalf("Stop took %s", d)
	}
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var waits []string
	for _, m := range regexp.MustCompile(`restarting in (\S+)\n`).FindAllStringSubmatch(string(raw), -1) {
		waits = append(waits, m[1])
	}
	if want := []string{"20ms", "40ms", "80ms", "80ms", "80ms"}; len(waits) < len(want) || !slices.Equal(waits[:len(want)], want) {
		t.Fatalf("waits between restarts %v, want %v first\n%s", waits, want, raw)
	}
	n := s.Starts()
	time.Sleep(200 * time.Millisecond)
	if s.Starts() != n {
		t.Fatalf("restarted after Stop: %d → %d starts", n, s.Starts())
	}
}
