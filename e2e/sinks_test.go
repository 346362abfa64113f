package e2e

import (
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// mailSink is a real SMTP server on loopback that keeps every message.
type mailSink struct {
	addr string
	mu   sync.Mutex
	msgs []sunkMail
}

type sunkMail struct {
	To, MessageID, Subject string
}

func startMailSink(t testing.TB) *mailSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mailSink{addr: ln.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	srv.Domain = "localhost"
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *mailSink) mails() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.msgs...)
}

type sinkSession struct {
	sink *mailSink
	to   []string
}

func (s *sinkSession) Reset()                                    { s.to = nil }
func (s *sinkSession) Logout() error                             { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }

func (s *sinkSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	for _, to := range s.to {
		s.sink.msgs = append(s.sink.msgs, sunkMail{To: to, MessageID: m.Header.Get("Message-ID"), Subject: subject})
	}
	return nil
}

// robotSink is a chat-robot webhook receiver answering as WeCom does.
type robotSink struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []robotCall
}

type robotCall struct {
	DeliveryID string
	MsgType    string `json:"msgtype"`
	Markdown   struct {
		Title   string `json:"title"`
		Content string `json:"content"`
	} `json:"markdown"`
}

func startRobotSink(t testing.TB) *robotSink {
	t.Helper()
	s := &robotSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c robotCall
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.DeliveryID = r.Header.Get("X-Tuijin-Delivery-Id")
		s.mu.Lock()
		s.calls = append(s.calls, c)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *robotSink) received() []robotCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]robotCall(nil), s.calls...)
}
