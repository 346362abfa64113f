// Command tuijin-local runs the whole of Tuijin on one machine: embedded
// NATS (JetStream) and FerretDB (SQLite) with their data under one folder,
// the five services as processes on the contract's ports, and the demo
// data. It supervises the services: one that exits is restarted with
// back-off while the others keep running; each one's output is kept in
// <data>/logs/<service>.log. Ctrl-C or SIGTERM stops the services, then the
// embedded servers; the next run keeps the data.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tuijin/tuijin/pkg/embedded"
	"github.com/tuijin/tuijin/tools/stack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("service", "tuijin-local")
	if err := run(ctx, log); err != nil {
		log.Error("tuijin-local failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	var (
		dataDir   = flag.String("data", ".tuijin", "folder for NATS and FerretDB data, logs/ and run/")
		binDir    = flag.String("bin", "bin", "folder with the service binaries")
		natsPort  = flag.Int("nats-port", 4222, "NATS client port")
		mongoAddr = flag.String("mongo-addr", "127.0.0.1:27017", "FerretDB listen address")
		demo      = flag.Bool("demo", true, "register the demo projects on first start")
		issuerAt  = flag.String("issuer-addr", "127.0.0.1:8086", "listen address of the local token issuer")
		accounts  = flag.String("accounts", "", "accounts YAML of the local issuer (default: the demo accounts)")
		hashPw    = flag.Bool("hash-password", false, "read a password on stdin, print its bcrypt hash for an accounts file, and exit")
		backoff   = stack.DefaultBackoff
		addrs     = map[string]*string{}
	)
	flag.DurationVar(&backoff.Min, "restart-min", backoff.Min, "wait before restarting a service that exited")
	flag.DurationVar(&backoff.Max, "restart-max", backoff.Max, "longest wait between restarts of a service that keeps exiting")
	for _, s := range stack.Services {
		addrs[s.Name] = flag.String(s.Name+"-addr", fmt.Sprintf("127.0.0.1:%d", s.Port), s.Name+" HTTP listen address")
	}
	flag.Parse()
	if *hashPw {
		return hashPassword(os.Stdin, os.Stdout)
	}
	// A missing binary would only be retried with back-off: say so at once.
	for _, s := range stack.Services {
		if _, err := os.Stat(filepath.Join(*binDir, s.Name)); err != nil {
			return fmt.Errorf("%w (make build compiles the services into bin/)", err)
		}
	}
	logDir, runDir := filepath.Join(*dataDir, "logs"), filepath.Join(*dataDir, "run")
	for _, d := range []string{logDir, runDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}

	nats, err := startNATS(ctx, *natsPort, filepath.Join(*dataDir, "nats"), log)
	if err != nil {
		return err
	}
	defer func() { nats.Stop(); log.Info("nats stopped") }()
	log.Info("nats ready", "url", nats.URL(), "data", filepath.Join(*dataDir, "nats"))

	ferret, err := embedded.StartFerretDB(*mongoAddr, filepath.Join(*dataDir, "ferretdb"), nil)
	if err != nil {
		return err
	}
	defer func() { ferret.Stop(); log.Info("ferretdb stopped") }()
	log.Info("ferretdb ready", "uri", ferret.URI(), "data", filepath.Join(*dataDir, "ferretdb"))

	iss, err := startIssuer(*issuerAt, *addrs["portal"], *accounts, *dataDir, log)
	if err != nil {
		return err
	}
	defer iss.stop(context.Background())
	log.Info("issuer ready", "url", iss.URL, "login", iss.URL+"/v1/login")

	env := append([]string{"TUIJIN_NATS_URL=" + nats.URL(), "TUIJIN_MONGO_URI=" + ferret.URI()}, iss.env()...)
	if os.Getenv("TUIJIN_ICS_ORGANIZER") == "" {
		// coordination-meeting does not start without an organizer; a local
		// run gets a loopback one unless the caller names theirs.
		env = append(env, "TUIJIN_ICS_ORGANIZER=tuijin-local@localhost")
	}
	var sups []*stack.Supervisor
	// Deferred after the servers' Stop, so it runs before them: the services
	// stop first, consumers before the producers they feed.
	defer func() {
		for i := len(sups) - 1; i >= 0; i-- {
			name := stack.Services[i].Name
			if err := sups[i].Stop(15 * time.Second); err != nil {
				log.Warn("service stopped with an error", "name", name, "err", err)
			} else {
				log.Info("service stopped", "name", name)
			}
		}
		log.Info("stopped; data and logs kept in " + *dataDir)
	}()
	open311, err := open311Env(*dataDir, log)
	if err != nil {
		return err
	}
	for _, s := range stack.Services {
		unitEnv := append(slices.Clone(env), nats.env(s.Name)...)
		switch s.Name {
		case "intake":
			unitEnv = append(unitEnv, open311...)
		case "portal":
			unitEnv = append(append(unitEnv, iss.portalEnv()...), upstreamEnv(addrs)...)
		}
		sups = append(sups, stack.Supervise(stack.Unit{
			Name: s.Name, Bin: filepath.Join(*binDir, s.Name), Addr: *addrs[s.Name], Env: unitEnv,
			LogPath: filepath.Join(logDir, s.Name+".log"), PidPath: filepath.Join(runDir, s.Name+".pid"),
		}, backoff, os.Stdout, log))
	}
	readyCtx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	for _, s := range sups {
		if err := s.WaitReady(readyCtx); err != nil {
			return err
		}
	}
	if *demo {
		tok, err := iss.token()
		if err != nil {
			return err
		}
		if err := loadDemo(ctx, sups[0].URL(), tok, log); err != nil {
			return err
		}
	}
	var up []string
	for _, s := range stack.Services {
		up = append(up, s.Name+" "+*addrs[s.Name])
	}
	log.Info("Tuijin is up: " + strings.Join(up, ", ") + "; sign in at http://" + *addrs["portal"] + "/ (demo accounts: tools/cmd/tuijin-local/accounts.yaml, password tuijin-demo); logs in " + logDir + " — Ctrl-C stops")
	<-ctx.Done()
	log.Info("stopping")
	return nil
}

// upstreamEnv points the portal at the services where this launcher runs
// them, whatever --<service>-addr says.
func upstreamEnv(addrs map[string]*string) []string {
	vars := map[string]string{"intake": "INTAKE", "ledger": "LEDGER", "deadline": "DEADLINE",
		"coordination-meeting": "MEETING", "notification": "NOTIFICATION"}
	var env []string
	for _, s := range stack.Services {
		if v, ok := vars[s.Name]; ok {
			env = append(env, "TUIJIN_"+v+"_URL=http://"+*addrs[s.Name])
		}
	}
	return env
}
