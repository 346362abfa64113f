package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/channel"
)

func decodeBase64Lines(b []byte) (string, error) {
	out, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
	return string(out), err
}

func newClock() *clock.Manual {
	return clock.NewManual(time.Now().UTC().Truncate(time.Millisecond), time.Millisecond)
}

// smtpSink is a real SMTP server (go-smtp) that keeps what it receives and
// can be stopped and restarted on the same address to play an outage.
type smtpSink struct {
	addr string
	mu   sync.Mutex
	srv  *smtp.Server
	msgs []sinkMail
}

type sinkMail struct {
	From, To, MessageID, Subject, Body string
}

func startSink(t testing.TB) *smtpSink {
	t.Helper()
	s := &smtpSink{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.stop)
	return s
}

func (s *smtpSink) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	srv.Domain = "localhost"
	srv.ErrorLog = discardSMTPLog{}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (s *smtpSink) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		_ = s.srv.Close()
		s.srv = nil
	}
}

func (s *smtpSink) restart(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	s.serve(ln)
}

func (s *smtpSink) mails() []sinkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMail(nil), s.msgs...)
}

type discardSMTPLog struct{}

func (discardSMTPLog) Printf(string, ...any) {}
func (discardSMTPLog) Println(...any)        {}

type sinkSession struct {
	sink     *smtpSink
	from, to string
}

func (s *sinkSession) Reset()        {}
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	body, _ := io.ReadAll(m.Body)
	decoded, _ := decodeBase64Lines(body)
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.sink.msgs = append(s.sink.msgs, sinkMail{From: s.from, To: s.to, MessageID: m.Header.Get("Message-ID"),
		Subject: subject, Body: decoded})
	return nil
}

// robot is a chat-robot webhook receiver answering like WeCom. fail makes
// it answer 503 (or the given status) instead.
type robot struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []robotCall
	fail int
	// hold, when set, keeps the next call waiting until it is closed.
	hold chan struct{}
	held chan struct{}
}

type robotCall struct {
	DeliveryID string
	Message    channel.RobotMessage
}

func startRobot(t testing.TB) *robot {
	t.Helper()
	r := &robot{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		fail, hold, held := r.fail, r.hold, r.held
		r.hold = nil
		r.mu.Unlock()
		if hold != nil {
			close(held)
			<-hold
		}
		if fail != 0 {
			w.WriteHeader(fail)
			return
		}
		var m channel.RobotMessage
		if err := json.NewDecoder(req.Body).Decode(&m); err != nil || req.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, robotCall{DeliveryID: req.Header.Get(channel.HeaderDeliveryID), Message: m})
		r.mu.Unlock()
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *robot) calls() []robotCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]robotCall(nil), r.got...)
}

// holdNext makes the next call wait until release is called; the returned
// channel is closed once that call has arrived.
func (r *robot) holdNext() (arrived <-chan struct{}, release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold, r.held = make(chan struct{}), make(chan struct{})
	hold := r.hold
	return r.held, func() { close(hold) }
}

func (r *robot) setFail(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = status
}

// start runs the service as main does, on clock clk, until the test ends.
func start(t testing.TB, clk *clock.Manual, args ...string) string {
	cfg := newConfig()
	return testenv.ServiceAt(t, clk, "notification", cfg, setup(cfg), args...)
}

type errorBody = httpx.ErrorBody

// request sends body (if not nil) with contentType as p, and decodes the
// JSON answer into into.
func request(t testing.TB, p auth.Principal, method, url, contentType string, body []byte, into any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	return testenv.CallAs(t, p, method, url, contentType, rd, into)
}

func do(t testing.TB, p auth.Principal, method, url string, into any) int {
	t.Helper()
	return request(t, p, method, url, "", nil, into)
}

// ownerOrg is the owner organisation of projectCode, as the tests'
// project.registered events name it.
const ownerOrg = "城北物流园开发有限公司"

// recipientPrincipal is the person who reads recipient's inbox: a clerk of
// a department, its leader, the officer, the project's owner.
func recipientPrincipal(recipient string) auth.Principal {
	kind, id, _ := strings.Cut(recipient, ":")
	switch kind {
	case "dept":
		return testenv.Clerk(id)
	case "leader":
		return testenv.Leader(id)
	case "officer":
		return testenv.Officer(id)
	case "role":
		if id == "secretary" {
			return testenv.AsSecretary
		}
		return testenv.AsSupervisor
	}
	return testenv.OwnerOf(ownerOrg)
}

// metric reads one series from /metrics in the text format.
func metric(t testing.TB, base, series string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

func waitMetric(t testing.TB, base, series string, want float64) {
	t.Helper()
	eventually(t, series+" to reach "+strconv.FormatFloat(want, 'f', -1, 64), func() bool {
		v, _ := metric(t, base, series)
		return v >= want
	})
	if v, _ := metric(t, base, series); v != want {
		t.Fatalf("%s = %v, want %v", series, v, want)
	}
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, what, cond)
}
