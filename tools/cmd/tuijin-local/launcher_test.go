package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/tools/stack"
)

// binDir holds the five services and the launcher, built once.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(stack.TestMain(m, "../../..", &binDir, func(ctx context.Context, dir string) error {
		build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "tuijin-local"), ".")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build tuijin-local: %v\n%s", err, out)
		}
		return nil
	}))
}

// launcher is a running tuijin-local process on free loopback ports.
type launcher struct {
	t     *testing.T
	cmd   *exec.Cmd
	data  string
	mongo string
	nats  string
	addrs map[string]string
	out   *testenv.LogBuffer
	done  chan struct{}
	err   error
}

func startLauncher(t *testing.T) *launcher {
	t.Helper()
	l := &launcher{t: t, data: t.TempDir(), addrs: map[string]string{}, out: &testenv.LogBuffer{}, done: make(chan struct{})}
	mongoAddr := testenv.FreeAddr(t)
	l.mongo = "mongodb://" + mongoAddr + "/"
	natsAddr := testenv.FreeAddr(t)
	l.nats = "nats://" + natsAddr
	_, natsPort, _ := net.SplitHostPort(natsAddr)
	args := []string{"--data", l.data, "--bin", binDir, "--nats-port", natsPort, "--mongo-addr", mongoAddr,
		"--demo=false", "--restart-min", "200ms", "--issuer-addr", testenv.FreeAddr(t)}
	for _, s := range stack.Services {
		l.addrs[s.Name] = testenv.FreeAddr(t)
		args = append(args, "--"+s.Name+"-addr", l.addrs[s.Name])
	}
	l.cmd = exec.Command(filepath.Join(binDir, "tuijin-local"), args...)
	l.cmd.Stdout, l.cmd.Stderr = l.out, l.out
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { l.err = l.cmd.Wait(); close(l.done) }()
	t.Cleanup(func() {
		_ = l.cmd.Process.Kill()
		<-l.done
		if t.Failed() {
			t.Logf("launcher output (tail):\n%s", l.out.Tail(80))
		}
	})
	for _, s := range stack.Services {
		testWait(t, 3*time.Minute, s.Name+" ready", func() bool { return l.ready(s.Name) })
	}
	return l
}

func (l *launcher) url(name string) string { return "http://" + l.addrs[name] }

// login signs in at the launcher's issuer as a demo account, as a user of
// the local run does, and returns the bearer token.
func (l *launcher) login(user string) string {
	l.t.Helper()
	m := regexp.MustCompile(`issuer ready.* url=(\S+)`).FindStringSubmatch(l.out.String())
	if m == nil {
		l.t.Fatalf("no issuer in the launcher's log:\n%s", l.out.Tail(20))
	}
	var resp struct {
		AccessToken string `json:"access_token"`
	}
	body := strings.NewReader(`{"username":"` + user + `","password":"tuijin-demo"}`)
	if st := testenv.CallJSON(l.t, http.MethodPost, m[1]+"/v1/login", "application/json", body, &resp); st != http.StatusOK {
		l.t.Fatalf("login %s: %d", user, st)
	}
	return resp.AccessToken
}

func (l *launcher) ready(name string) bool {
	select {
	case <-l.done:
		l.t.Fatalf("launcher exited: %v\n%s", l.err, l.out.Tail(80))
	default:
	}
	resp, err := (&http.Client{Timeout: time.Second}).Get(l.url(name) + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// pid is the process id the launcher recorded for a service.
func (l *launcher) pid(name string) int {
	raw, err := os.ReadFile(filepath.Join(l.data, "run", name+".pid"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	return n
}

func (l *launcher) log(name string) string {
	raw, err := os.ReadFile(filepath.Join(l.data, "logs", name+".log"))
	if err != nil {
		l.t.Fatal(err)
	}
	return string(raw)
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces, the state follows the last ')'.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// testWait polls cond until it holds; timeout is only the point at which a
// hung system fails the test.
func testWait(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func signalAndWait(t *testing.T, l *launcher, sig syscall.Signal) {
	t.Helper()
	if err := l.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("launcher did not exit within 2 minutes of %v", sig)
	}
}
