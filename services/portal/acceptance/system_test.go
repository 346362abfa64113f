// Package acceptance drives the portal in a real browser against the whole
// system: NATS, FerretDB, a token issuer with demo-like accounts, the five
// services and the portal, each service and the portal a process of its
// own, as `make run` starts them.
package acceptance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tuijin/tuijin/pkg/auth/issuer"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/tools/stack"
)

// binDir holds the services and the portal, built once for the package.
var binDir string

func TestMain(m *testing.M) { os.Exit(stack.TestMain(m, "../../..", &binDir)) }

// password is every test account's, as the demo accounts'.
const password = "tuijin-demo"

// accounts are demo-like users of the test's issuer.
var accounts = `accounts:
  - {username: zrzy-clerk, name: 自然资源和规划局经办人, roles: [clerk], department: zrzy, password_hash: "%[1]s"}
  - {username: zhineng, name: 王经理, roles: [owner], owner: 示范智能装备有限公司, password_hash: "%[1]s"}
  - {username: duban, name: 督导服务专班, roles: [supervisor], password_hash: "%[1]s"}
  - {username: wangfang, name: 王芳, roles: [officer], password_hash: "%[1]s"}
  - {username: zrzy-leader, name: 自然资源和规划局负责人, roles: [leader], department: zrzy, password_hash: "%[1]s"}
  - {username: sthj-clerk, name: 生态环境局经办人, roles: [clerk], department: sthj, password_hash: "%[1]s"}
  - {username: rfb-clerk, name: 人防办经办人, roles: [clerk], department: rfb, password_hash: "%[1]s"}
  - {username: mishu, name: 会议秘书, roles: [secretary], password_hash: "%[1]s"}
`

// system is one private Tuijin with its portal.
type system struct {
	t      testing.TB
	issuer string
	addrs  map[string]string
	logs   *testenv.LogBuffer
}

// newSystem starts everything and waits until every process is ready.
func newSystem(t *testing.T) *system {
	t.Helper()
	// Operations' provisioning first, as the launcher does: the streams
	// and the versions bucket the deadline service needs but may not create.
	natsURL, _ := testenv.JetStream(t)
	mongoURI := testenv.MongoURI(t)
	s := &system{t: t, addrs: map[string]string{}, logs: &testenv.LogBuffer{}}
	for _, svc := range stack.Services {
		s.addrs[svc.Name] = testenv.FreeAddr(t)
	}
	callback := s.url("portal") + "/auth/callback"
	s.issuer = startIssuer(t, callback)

	env := []string{
		"TUIJIN_NATS_URL=" + natsURL,
		"TUIJIN_MONGO_URI=" + mongoURI,
		"TUIJIN_OUTBOX_INTERVAL=300ms",
		"TUIJIN_ICS_ORGANIZER=duban@xzsp.example",
		"TUIJIN_AUTH_ISSUER=" + s.issuer,
		"TUIJIN_AUTH_JWKS_URL=" + s.issuer + "/.well-known/jwks.json",
		"TUIJIN_AUTH_JWKS_FILE=",
	}
	portalEnv := []string{
		"TUIJIN_AUTH_CLIENT_ID=tuijin-portal",
		"TUIJIN_AUTH_REDIRECT_URL=" + callback,
		"TUIJIN_INTAKE_URL=" + s.url("intake"),
		"TUIJIN_LEDGER_URL=" + s.url("ledger"),
		"TUIJIN_DEADLINE_URL=" + s.url("deadline"),
		"TUIJIN_MEETING_URL=" + s.url("coordination-meeting"),
		"TUIJIN_NOTIFICATION_URL=" + s.url("notification"),
	}
	var procs []*stack.Proc
	for _, svc := range stack.Services {
		// Each service logs in to NATS as its own user (none for the portal).
		e := append(append([]string{}, env...), testenv.NATSEnv(svc.Name)...)
		if svc.Name == "portal" {
			e = append(e, portalEnv...)
		}
		if svc.Name == "deadline" {
			// The clock runs a month ahead, so that every item assigned is
			// past its limit there: the board's red items.
			e = append(e, "TUIJIN_CLOCK_OFFSET=720h")
		}
		p, err := stack.Start(filepath.Join(binDir, svc.Name), svc.Name, s.addrs[svc.Name], e, s.logs)
		if err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	t.Cleanup(func() {
		for i := len(procs) - 1; i >= 0; i-- {
			if err := procs[i].Stop(15 * time.Second); err != nil {
				t.Errorf("%s: %v", procs[i].Name, err)
			}
		}
		if t.Failed() {
			t.Logf("service output (tail):\n%s", s.logs.Tail(150))
		}
	})
	// A loaded machine takes its time; a hung one fails here.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, p := range procs {
		if err := p.WaitReady(ctx); err != nil {
			t.Fatalf("%v\n%s", err, s.logs.Tail(80))
		}
	}
	return s
}

// startIssuer serves a token issuer with the test accounts in process, as
// the launcher does, with the portal (its callback) as the client of its
// sign-in page, and returns its URL.
func startIssuer(t *testing.T, callback string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	accs, err := issuer.LoadAccounts(strings.NewReader(fmt.Sprintf(accounts, hash)))
	if err != nil {
		t.Fatal(err)
	}
	key, err := issuer.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer.Issuer{URL: "http://" + ln.Addr().String(), Audience: "tuijin", TTL: time.Hour, Key: key,
		Accounts: accs, Log: slog.New(slog.DiscardHandler),
		Clients: []issuer.Client{{ID: "tuijin-portal", RedirectURIs: []string{callback}}}}
	srv := &http.Server{Handler: is.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return is.URL
}

func (s *system) url(name string) string { return "http://" + s.addrs[name] }

// login signs in at the issuer, as a script would, and returns the token.
func (s *system) login(user string) string {
	s.t.Helper()
	var resp struct {
		AccessToken string `json:"access_token"`
	}
	body := strings.NewReader(`{"username":"` + user + `","password":"` + password + `"}`)
	if st := testenv.CallJSON(s.t, http.MethodPost, s.issuer+"/v1/login", "application/json", body, &resp); st != http.StatusOK {
		s.t.Fatalf("login %s: %d", user, st)
	}
	return resp.AccessToken
}

// call sends a JSON request with token and decodes the answer into out.
func (s *system) call(token, method, url string, in, out any) int {
	s.t.Helper()
	var body io.Reader
	ct := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			s.t.Fatal(err)
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	if out == nil {
		out = &json.RawMessage{}
	}
	return testenv.CallToken(s.t, token, method, url, ct, body, out)
}

// registerProject registers project code of 示范智能装备有限公司 as its owner
// and waits until the ledger has assigned its 用地预审 to zrzy.
func (s *system) registerProject(code, name string) (itemID string) {
	s.t.Helper()
	owner := s.login("zhineng")
	p := map[string]any{
		"code": code, "name": name, "category": "招商引资", "level": "市",
		"owner_organisation": "示范智能装备有限公司", "owner_contact": "王经理", "owner_phone": "0535-1234567",
		"location": "经济开发区", "investment_wan": 120000, "stage": "approving", "officer": "王芳", "work_group": "duban",
		// Sooner than its items can be done: the forecast is late (yellow).
		"planned_start": "2026-12-31",
	}
	if st := s.call(owner, http.MethodPost, s.url("intake")+"/v1/projects", p, nil); st != http.StatusCreated {
		s.t.Fatalf("register %s: %d", code, st)
	}
	itemID = code + ".yongdi-yushen"
	clerk := s.login("zrzy-clerk")
	testenv.WaitFor(s.t, 3*time.Minute, "the 用地预审 of "+code+" in zrzy's queue", func() bool {
		var q struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if s.call(clerk, http.MethodGet, s.url("ledger")+"/v1/items?department=zrzy&limit=500", nil, &q) != http.StatusOK {
			return false
		}
		for _, it := range q.Items {
			if it.ID == itemID {
				return true
			}
		}
		return false
	})
	return itemID
}
