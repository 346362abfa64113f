package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/auth/issuer"
)

// demoAccounts are the local run's users, one or more per role; see the file.
//
//go:embed accounts.yaml
var demoAccounts []byte

// localIssuer is the token issuer of the local run, serving on addr with
// the accounts of accountsPath (the demo accounts when empty) and a signing
// key kept under dataDir, so tokens outlive a restart. The portal at
// portalAddr is its one client of the sign-in page (the code flow).
type localIssuer struct {
	*issuer.Issuer
	srv      *http.Server
	callback string
}

// portalClientID is the portal's client id at the local issuer.
const portalClientID = "tuijin-portal"

func startIssuer(addr, portalAddr, accountsPath, dataDir string, log *slog.Logger) (*localIssuer, error) {
	src := demoAccounts
	if accountsPath != "" {
		b, err := os.ReadFile(accountsPath)
		if err != nil {
			return nil, err
		}
		src = b
	}
	accs, err := issuer.LoadAccounts(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	key, err := issuer.LoadOrCreateKey(filepath.Join(dataDir, "issuer", "signing-key.json"))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("issuer: listen %s: %w", addr, err)
	}
	callback := "http://" + portalAddr + "/auth/callback"
	is := &issuer.Issuer{URL: "http://" + ln.Addr().String(), Audience: "tuijin", TTL: 8 * time.Hour,
		Key: key, Accounts: accs, Log: log.With("part", "issuer"),
		Clients: []issuer.Client{{ID: portalClientID, RedirectURIs: []string{callback}}}}
	li := &localIssuer{Issuer: is, srv: &http.Server{Handler: is.Handler(), ReadHeaderTimeout: 5 * time.Second}, callback: callback}
	go func() {
		if err := li.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("issuer stopped", "err", err)
		}
	}()
	return li, nil
}

// env is what a service needs to accept the issuer's tokens.
func (li *localIssuer) env() []string {
	return []string{"TUIJIN_AUTH_ISSUER=" + li.URL, "TUIJIN_AUTH_JWKS_URL=" + li.JWKSURL()}
}

// portalEnv is what the portal needs to sign users in here.
func (li *localIssuer) portalEnv() []string {
	return []string{"TUIJIN_AUTH_CLIENT_ID=" + portalClientID, "TUIJIN_AUTH_REDIRECT_URL=" + li.callback}
}

// token signs a short-lived token for the launcher's own calls (the demo
// data), under its own subject so the audit trail says who did it.
func (li *localIssuer) token() (string, error) {
	c := auth.Claims{Subject: "tuijin-local", Name: "演示数据", Roles: []string{string(auth.Supervisor)}}
	return li.Key.Sign(li.URL, li.Audience, c, time.Now(), 10*time.Minute)
}

func (li *localIssuer) stop(ctx context.Context) { _ = li.srv.Shutdown(ctx) }

// hashPassword reads one password line from in and prints its bcrypt hash,
// for an accounts file.
func hashPassword(in io.Reader, out io.Writer) error {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return errors.New("no password on stdin")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, string(h))
	return err
}
