// Package stack builds and runs Tuijin's five services as separate
// processes. The local launcher and the end-to-end tests both use it, so
// what the tests run is what an officer runs.
package stack

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Service is one of Tuijin's programs and its contract port.
type Service struct {
	Name string
	Port int
}

// Services in start order, with the ports of the public contract. The
// portal comes last: it serves pages from the others' APIs.
var Services = []Service{
	{"intake", 8081},
	{"ledger", 8082},
	{"deadline", 8083},
	{"coordination-meeting", 8084},
	{"notification", 8085},
	{"portal", 8080},
}

// Build compiles every service (the portal too) into dir. root is the repository root (with
// go.work).
func Build(ctx context.Context, root, dir string) error {
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, s := range Services {
		args = append(args, "./services/"+s.Name+"/cmd/"+s.Name)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// Proc is a running service process.
type Proc struct {
	Name string
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	wg   sync.WaitGroup
}

// Start runs binary bin as service name listening on addr, with env added
// to the process environment. Each output line is written to out prefixed
// with the name.
func Start(bin, name, addr string, env []string, out io.Writer) (*Proc, error) {
	cmd := exec.Command(bin, "--http-addr="+addr)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = procAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, Addr: addr, cmd: cmd, done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			fmt.Fprintf(out, "%-20s | %s\n", name, sc.Text())
		}
	}()
	go func() {
		p.wg.Wait()
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is the exit error, valid after Done.
func (p *Proc) Err() error { return p.err }

// URL is the service's base URL.
func (p *Proc) URL() string { return "http://" + p.Addr }

// WaitReady polls /readyz until it answers 200, the process exits or ctx ends.
func (p *Proc) WaitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(p.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %v", p.Name, p.err)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", p.Name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop asks the service to shut down (SIGTERM) and kills it if it has not
// exited within grace. A clean shutdown exits 0 and returns nil.
func (p *Proc) Stop(grace time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within %s and was killed", p.Name, grace)
	}
	return p.err
}

// Kill ends the process at once (SIGKILL), as a crash would.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// TestMain is the TestMain of a test package that runs the services as
// processes: it builds them (and what more does, given the directory) into
// a temporary directory, stores its path in *bin, runs the tests and
// removes the binaries. Use it as os.Exit(stack.TestMain(m, root, &binDir)).
func TestMain(m *testing.M, root string, bin *string, more ...func(ctx context.Context, dir string) error) int {
	dir, err := os.MkdirTemp("", "tuijin-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Generous: on a loaded machine a cold build of everything is slow.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if err := Build(ctx, root, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, f := range more {
		if err := f(ctx, dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	*bin = dir
	return m.Run()
}
