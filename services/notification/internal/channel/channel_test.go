package channel

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"

	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

var msg = notification.Message{DeliveryID: "7d1c1c1e-0000-5000-8000-000000000001", Recipient: "dept:zrzy",
	Title: "【约谈】审批事项超期未办结", Body: "自然资源和规划局：项目的审批事项已升级为“约谈”。\n请参加约谈。"}

func TestWebhookClassifiesAnswers(t *testing.T) {
	var (
		mu     sync.Mutex
		status = http.StatusOK
		reply  = `{"errcode":0,"errmsg":"ok"}`
		got    RobotMessage
		header string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewDecoder(r.Body).Decode(&got)
		header = r.Header.Get(HeaderDeliveryID)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply)
	}))
	defer srv.Close()
	wh := NewWebhook(srv.Client())
	m := msg
	m.Address = srv.URL + "/cgi-bin/webhook/send?key=k"

	for _, tt := range []struct {
		name      string
		status    int
		reply     string
		ok        bool
		permanent bool
	}{
		{"wecom ok", 200, `{"errcode":0,"errmsg":"ok"}`, true, false},
		{"no errcode", 200, `ok`, true, false},
		{"robot refuses (rate limit)", 200, `{"errcode":45009,"errmsg":"api freq out of limit"}`, false, false},
		{"too many requests", 429, ``, false, false},
		{"server error", 503, ``, false, false},
		{"timeout answer", 408, ``, false, false},
		{"not found", 404, ``, false, true},
		{"forbidden", 403, ``, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			status, reply = tt.status, tt.reply
			mu.Unlock()
			err := wh.Send(context.Background(), m)
			if (err == nil) != tt.ok || notification.IsPermanent(err) != tt.permanent {
				t.Fatalf("err %v (permanent %v)", err, notification.IsPermanent(err))
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if got.MsgType != "markdown" || got.Markdown.Content != "### "+msg.Title+"\n"+msg.Body || got.Markdown.Title != msg.Title || header != msg.DeliveryID {
		t.Fatalf("robot got %+v, header %q", got, header)
	}
	m.Address = "http://127.0.0.1:1/closed"
	if err := wh.Send(context.Background(), m); err == nil || notification.IsPermanent(err) {
		t.Fatalf("a refused connection must be retried: %v", err)
	}
}

type rcptRefuser struct {
	mu   sync.Mutex
	data [][]byte
}

func (b *rcptRefuser) NewSession(*smtp.Conn) (smtp.Session, error) { return &refuserSession{b: b}, nil }

type refuserSession struct{ b *rcptRefuser }

func (s *refuserSession) Reset()                               {}
func (s *refuserSession) Logout() error                        { return nil }
func (s *refuserSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *refuserSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "nobody@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case strings.HasPrefix(to, "busy@"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	}
	return nil
}
func (s *refuserSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.data = append(s.b.data, b)
	return err
}

func startSMTP(t testing.TB) (string, *rcptRefuser) {
	t.Helper()
	be := &rcptRefuser{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), be
}

func TestMailerSendsUTF8MailAndClassifiesReplies(t *testing.T) {
	addr, be := startSMTP(t)
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	m, err := NewMailer(SMTPConfig{Addr: addr, From: "tuijin@gov.example", FromName: "重点项目推进服务"}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	ok := msg
	ok.Address = "ban@zrzy.example"
	if err := m.Send(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	be.mu.Lock()
	raw := be.data[0]
	be.mu.Unlock()
	parsed, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	from, _ := mail.ParseAddress(parsed.Header.Get("From"))
	body, _ := io.ReadAll(parsed.Body)
	text, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(body), "\r\n", ""))
	if err != nil || string(text) != msg.Body {
		t.Fatalf("body %q, %v", text, err)
	}
	if subject != msg.Title || from.Name != "重点项目推进服务" || from.Address != "tuijin@gov.example" ||
		parsed.Header.Get("Message-ID") != "<"+msg.DeliveryID+"@gov.example>" || parsed.Header.Get("To") != "<ban@zrzy.example>" ||
		parsed.Header.Get("Content-Type") != "text/plain; charset=UTF-8" || parsed.Header.Get("Date") != "Mon, 02 Mar 2026 01:00:00 +0000" {
		t.Fatalf("headers %v, subject %q", parsed.Header, subject)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 || !utf8.ValidString(line) {
			t.Fatalf("line %q", line)
		}
	}

	refused := msg
	refused.Address = "nobody@zrzy.example"
	if err := m.Send(context.Background(), refused); !notification.IsPermanent(err) {
		t.Fatalf("550 must be permanent: %v", err)
	}
	busy := msg
	busy.Address = "busy@zrzy.example"
	if err := m.Send(context.Background(), busy); err == nil || notification.IsPermanent(err) {
		t.Fatalf("451 must be retried: %v", err)
	}
	down, _ := NewMailer(SMTPConfig{Addr: "127.0.0.1:1", From: "tuijin@gov.example"}, time.Now)
	if err := down.Send(context.Background(), ok); err == nil || notification.IsPermanent(err) {
		t.Fatalf("a refused connection must be retried: %v", err)
	}
	for _, cfg := range []SMTPConfig{{Addr: "nohost", From: "a@b.example"}, {Addr: "127.0.0.1:25", From: "A <a@b.example>"}} {
		if _, err := NewMailer(cfg, time.Now); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

type recordingGateway struct{ phone, text, id string }

func (g *recordingGateway) SendSMS(_ context.Context, phone, text, id string) error {
	g.phone, g.text, g.id = phone, text, id
	return nil
}

func TestSMSSignsAndShortens(t *testing.T) {
	g := &recordingGateway{}
	s := SMS{Gateway: g, Signature: "【重点项目推进】"}
	m := msg
	m.Address = "13800000000"
	m.Body = strings.Repeat("长", 500)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if g.phone != "13800000000" || g.id != msg.DeliveryID || !strings.HasPrefix(g.text, "【重点项目推进】【约谈】") ||
		utf8.RuneCountInString(g.text) != maxSMSRunes || !strings.HasSuffix(g.text, "…") {
		t.Fatalf("sms %+v (%d runes)", g, utf8.RuneCountInString(g.text))
	}
	if err := (SMS{Gateway: LogGateway{Log: slog.New(slog.DiscardHandler)}}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkWebhookSend is the webhook sender alone against a local
// receiver: the channel's own ceiling, without the delivery records.
func BenchmarkWebhookSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"errcode":0}`)
	}))
	defer srv.Close()
	wh := NewWebhook(srv.Client())
	m := msg
	m.Address = srv.URL
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := wh.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "messages/s")
}

// BenchmarkSMTPSend is the mailer alone against a local SMTP server, one
// session per message.
func BenchmarkSMTPSend(b *testing.B) {
	addr, _ := startSMTP(b)
	mailer, err := NewMailer(SMTPConfig{Addr: addr, From: "tuijin@gov.example"}, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	m := msg
	m.Address = "ban@zrzy.example"
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := mailer.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "messages/s")
}
