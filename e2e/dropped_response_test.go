package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// dropProxy forwards each connection to target; for the first connection
// it passes the request on and then cuts the client off without the
// answer, as a dead load balancer or a flaky mobile network does.
type dropProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	n      int
}

func startDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.n++
			drop := p.n == 1
			p.mu.Unlock()
			go p.serve(c, drop)
		}
	}()
	return p
}

func (p *dropProxy) serve(c net.Conn, drop bool) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(up, c) }()
	if drop {
		// Wait until the server has answered (so the write landed), then
		// hang up on the client without relaying a byte of it.
		buf := make([]byte, 1)
		_ = up.SetReadDeadline(time.Now().Add(time.Minute))
		_, _ = up.Read(buf)
		return
	}
	_, _ = io.Copy(c, up)
}

// TestRetriedRegistrationAfterDroppedResponse: the answer to a registration
// is lost on the way back; the client cannot tell whether it landed and
// sends it again. The retry gets the first answer (200, Idempotent-Replayed,
// the first registration time), not a 409, and one project.registered.
func TestRetriedRegistrationAfterDroppedResponse(t *testing.T) {
	s := newSystem(t)
	s.start("intake")
	proxy := startDropProxy(t, s.addrs["intake"])
	code := projectCode(77)
	body, err := json.Marshal(project(code))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Minute}
	post := func() (*http.Response, error) {
		req, err := http.NewRequest(http.MethodPost, "http://"+proxy.ln.Addr().String()+"/v1/projects", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testenv.Token(t, owner))
		return client.Do(req)
	}
	if resp, err := post(); err == nil {
		resp.Body.Close()
		t.Fatalf("the first answer came through (status %d): the proxy dropped nothing", resp.StatusCode)
	}
	resp, err := post()
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	defer resp.Body.Close()
	var got struct {
		Code         string    `json:"code"`
		RegisteredAt time.Time `json:"registered_at"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "true" || got.Code != code || got.RegisteredAt.IsZero() {
		t.Fatalf("retry: status %d, replayed %q, %+v; want 200, true, the first registration",
			resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), got)
	}
	var stored struct {
		RegisteredAt time.Time `json:"registered_at"`
	}
	if st := s.getJSON(supervisor, s.url("intake")+"/v1/projects/"+code, &stored); st != http.StatusOK || !stored.RegisteredAt.Equal(got.RegisteredAt) {
		t.Fatalf("stored registration %d %+v; the retry answered %v", st, stored, got.RegisteredAt)
	}
	if n := s.streamCount("TUIJIN_EVENTS", event.TypeProjectRegistered); n != 1 {
		t.Fatalf("%d project.registered events, want 1", n)
	}
	if n := s.count("tuijin_intake", "projects"); n != 1 {
		t.Fatalf("%d projects stored, want 1", n)
	}
}
