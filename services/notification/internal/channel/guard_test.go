package channel

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestGuardCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k": true,
		"http://203.0.113.9/robot":                               true,
		"http://169.254.169.254/latest/meta-data":                false,
		"http://127.0.0.1:8085/v1/inbox":                         false,
		"http://[::1]/x":                                         false,
		"http://10.0.0.5/x":                                      false,
		"http://192.168.1.1/x":                                   false,
		"http://100.64.0.1/x":                                    false,
		"http://0.0.0.0/x":                                       false,
		"http://[::ffff:10.0.0.1]/x":                             false,
		"http://localhost:9000/x":                                false,
		"http://api.localhost/x":                                 false,
		"file:///etc/passwd":                                     false,
		"gopher://example.org/":                                  false,
	} {
		if err := (Guard{}).CheckURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v, want allowed %v", raw, err, ok)
		}
	}
	if err := (Guard{AllowPrivate: true}).CheckURL("http://127.0.0.1:9/x"); err != nil {
		t.Errorf("allowed private: %v", err)
	}
}

// Operations' allow-list: exact hosts and "*." domains; anything else is
// refused, whatever its address.
func TestGuardHostAllowList(t *testing.T) {
	g := Guard{Hosts: []string{"qyapi.weixin.qq.com", "*.dingtalk.com", " OAPI.Feishu.CN. "}}
	for raw, ok := range map[string]bool{
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k": true,
		"https://oapi.dingtalk.com/robot/send":                   true,
		"https://a.b.dingtalk.com/robot/send":                    true,
		"https://oapi.feishu.cn/x":                               true,
		"https://dingtalk.com/robot/send":                        false, // the domain itself is not under it
		"https://evil-dingtalk.com/x":                            false,
		"https://qyapi.weixin.qq.com.evil.example/x":             false,
		"http://203.0.113.9/robot":                               false,
		"http://169.254.169.254/latest/meta-data":                false,
	} {
		err := g.CheckURL(raw)
		if (err == nil) != ok {
			t.Errorf("%s: %v, want allowed %v", raw, err, ok)
		}
		if err != nil && !errors.Is(err, ErrHostNotAllowed) {
			t.Errorf("%s: %v, want ErrHostNotAllowed (the list is checked first)", raw, err)
		}
	}
}

// A URL stored before the list was narrowed is not called: the client
// checks every request, not only the preference when it was set.
func TestGuardClientChecksTheAllowList(t *testing.T) {
	var called atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { called.Store(true) }))
	defer srv.Close()
	g := Guard{AllowPrivate: true, Hosts: []string{"robot.example.cn"}}
	resp, err := g.Client(5*time.Second).Post(srv.URL, "application/json", nil)
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, ErrHostNotAllowed) || called.Load() {
		t.Errorf("call to a host off the list: err %v, reached %v", err, called.Load())
	}
	// The same server on the list is called.
	g.Hosts = []string{"127.0.0.1"}
	resp, err = g.Client(5*time.Second).Post(srv.URL, "application/json", nil)
	if err != nil || !called.Load() {
		t.Fatalf("call to a listed host: %v, reached %v", err, called.Load())
	}
	resp.Body.Close()
}

// The address actually dialled is checked: a webhook on loopback is
// refused without AllowPrivate, whatever name or redirect led there.
func TestGuardClientRefusesPrivateDial(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	_, err := (Guard{}).Client(5 * time.Second).Get(srv.URL)
	if !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("GET %s through the guard: %v, want ErrPrivateAddress", srv.URL, err)
	}
	resp, err := (Guard{AllowPrivate: true}).Client(5 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("GET %s with private addresses allowed: %v", srv.URL, err)
	}
	resp.Body.Close()
}
