package stack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// Backoff is the wait before restarting a service that exited: Min after
// the first crash, doubled after each further one up to Max. A run that
// lasted Reset or longer counts as healthy and starts the doubling afresh.
type Backoff struct {
	Min, Max, Reset time.Duration
}

// DefaultBackoff restarts at once after a lone crash and at most every 30 s
// when a service cannot stay up.
var DefaultBackoff = Backoff{Min: 250 * time.Millisecond, Max: 30 * time.Second, Reset: 30 * time.Second}

func (b Backoff) next(prev, ran time.Duration) time.Duration {
	if prev == 0 || ran >= b.Reset {
		return b.Min
	}
	return min(2*prev, b.Max)
}

// Unit describes one supervised service.
type Unit struct {
	Name, Bin, Addr string
	Env             []string
	LogPath         string // the service's output, appended across restarts
	PidPath         string // holds the running process's id; removed on stop
}

// Supervisor keeps one service running: it restarts the process whenever
// it exits, until Stop.
type Supervisor struct {
	unit    Unit
	backoff Backoff
	echo    io.Writer
	log     *slog.Logger

	mu       sync.Mutex
	cur      *Proc
	stopping bool
	starts   int
	quit     chan struct{}
	finished chan struct{}
}

// Supervise starts u and keeps it running. Its output goes to u.LogPath and
// echo; restarts are logged to log.
func Supervise(u Unit, b Backoff, echo io.Writer, log *slog.Logger) *Supervisor {
	s := &Supervisor{unit: u, backoff: b, echo: echo, log: log.With("name", u.Name),
		quit: make(chan struct{}), finished: make(chan struct{})}
	go s.loop()
	return s
}

func (s *Supervisor) loop() {
	defer close(s.finished)
	var delay time.Duration
	for {
		p, err := s.start()
		if p == nil && err == nil {
			return // stopping
		}
		var ran time.Duration
		if err != nil {
			s.log.Error("service did not start", "err", err)
		} else {
			began := time.Now()
			<-p.Done()
			ran = time.Since(began)
			s.mu.Lock()
			stopping := s.stopping
			s.mu.Unlock()
			if stopping {
				return
			}
			err = p.Err()
		}
		delay = s.backoff.next(delay, ran)
		s.log.Warn("service exited; restarting", "err", err, "ran", ran.Round(time.Millisecond), "restart_in", delay)
		s.note(fmt.Sprintf("exited after %s (%v); restarting in %s", ran.Round(time.Millisecond), err, delay))
		select {
		case <-time.After(delay):
		case <-s.quit:
			return
		}
	}
}

// start runs the process unless Stop was called (then both results are nil).
func (s *Supervisor) start() (*Proc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil, nil
	}
	s.starts++
	s.note("starting " + s.unit.Bin + " (start " + strconv.Itoa(s.starts) + ")")
	p, err := StartLogged(s.unit.Bin, s.unit.Name, s.unit.Addr, s.unit.Env, s.unit.LogPath, s.echo)
	if err != nil {
		return nil, err
	}
	s.cur = p
	if s.unit.PidPath != "" {
		if err := os.WriteFile(s.unit.PidPath, []byte(strconv.Itoa(p.cmd.Process.Pid)+"\n"), 0o644); err != nil {
			s.log.Warn("cannot write pid file", "err", err)
		}
	}
	return p, nil
}

// note appends a line of the launcher's own to the service's log, between
// runs of the service, so the log shows where each run begins and ends.
func (s *Supervisor) note(msg string) {
	f, err := os.OpenFile(s.unit.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s tuijin-local: %s: %s\n", time.Now().UTC().Format(time.RFC3339Nano), s.unit.Name, msg)
}

// Starts is how many times the process was started.
func (s *Supervisor) Starts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts
}

// URL is the service's base URL.
func (s *Supervisor) URL() string { return "http://" + s.unit.Addr }

// WaitReady polls /readyz until it answers 200 or ctx ends; a service that
// crashes meanwhile is restarted and polled again.
func (s *Supervisor) WaitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready (started %d times): %w", s.unit.Name, s.Starts(), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop ends supervision: no more restarts, and the running process gets
// SIGTERM and grace to exit before it is killed.
func (s *Supervisor) Stop(grace time.Duration) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		<-s.finished
		return nil
	}
	s.stopping = true
	close(s.quit)
	p := s.cur
	s.mu.Unlock()
	var err error
	if p != nil {
		select {
		case <-p.Done():
		default:
			err = p.Stop(grace)
		}
	}
	<-s.finished
	if s.unit.PidPath != "" {
		_ = os.Remove(s.unit.PidPath)
	}
	if err == nil {
		s.note("stopped")
	}
	return err
}
