// Package channel sends rendered messages on the external channels: e-mail
// over SMTP, chat-robot webhooks and an SMS gateway.
package channel

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// SMTPConfig is where and as whom mail is sent.
type SMTPConfig struct {
	// Addr is the server's host:port.
	Addr string
	// From is the sender address, e.g. tuijin@gov.example.
	From     string
	FromName string
	// Username and Password enable AUTH PLAIN, offered only over TLS or to
	// a loopback server (net/smtp refuses otherwise).
	Username string
	Password string
	// HelloName is the name said in EHLO.
	HelloName string
}

// Mailer sends messages as plain-text UTF-8 mail.
type Mailer struct {
	cfg  SMTPConfig
	host string
	now  func() time.Time
}

// NewMailer checks cfg and returns a mailer.
func NewMailer(cfg SMTPConfig, now func() time.Time) (*Mailer, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", cfg.Addr, err)
	}
	if a, err := mail.ParseAddress(cfg.From); err != nil || a.Address != cfg.From {
		return nil, fmt.Errorf("smtp sender %q is not a bare address", cfg.From)
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	return &Mailer{cfg: cfg, host: host, now: now}, nil
}

// Send delivers m to m.Address in one SMTP session. A 5xx reply is
// permanent; anything else (refused connection, 4xx) is worth a retry.
func (s *Mailer) Send(ctx context.Context, m notification.Message) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return classify("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return classify("ehlo", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}); err != nil {
			return classify("starttls", err)
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.host)); err != nil {
			return classify("auth", err)
		}
	}
	if err := c.Mail(s.cfg.From); err != nil {
		return classify("mail from", err)
	}
	if err := c.Rcpt(m.Address); err != nil {
		return classify("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return classify("data", err)
	}
	if _, err := w.Write(s.compose(m)); err != nil {
		return classify("data", err)
	}
	if err := w.Close(); err != nil {
		return classify("data", err)
	}
	_ = c.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

// compose writes the message. Its Message-ID is the delivery id, so a mail
// resent after a crash is recognisable as the same message.
func (s *Mailer) compose(m notification.Message) []byte {
	domain := s.cfg.From[strings.LastIndex(s.cfg.From, "@")+1:]
	from := (&mail.Address{Name: s.cfg.FromName, Address: s.cfg.From}).String()
	var b bytes.Buffer
	for _, h := range [][2]string{
		{"From", from},
		{"To", (&mail.Address{Address: m.Address}).String()},
		{"Subject", mime.BEncoding.Encode("UTF-8", m.Title)},
		{"Date", s.now().Format(time.RFC1123Z)},
		{"Message-ID", "<" + m.DeliveryID + "@" + domain + ">"},
		{"X-Tuijin-Delivery-Id", m.DeliveryID},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=UTF-8"},
		{"Content-Transfer-Encoding", "base64"},
	} {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

func classify(stage string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return notification.Permanent(fmt.Errorf("smtp %s: %w", stage, err))
	}
	return fmt.Errorf("smtp %s: %w", stage, err)
}
