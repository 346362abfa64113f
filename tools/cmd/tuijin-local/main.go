// Command tuijin-local runs the whole of Tuijin on one machine: embedded
// NATS (JetStream) and FerretDB (SQLite) with their data under one folder,
// the five services as processes on the contract's ports, and the demo
// data. Ctrl-C stops everything; the next run keeps the data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
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
		dataDir   = flag.String("data", ".tuijin", "folder for NATS and FerretDB data")
		binDir    = flag.String("bin", "bin", "folder with the service binaries")
		natsPort  = flag.Int("nats-port", 4222, "NATS client port")
		mongoAddr = flag.String("mongo-addr", "127.0.0.1:27017", "FerretDB listen address")
		demo      = flag.Bool("demo", true, "register the demo projects on first start")
	)
	flag.Parse()

	nats, err := embedded.StartNATS("127.0.0.1", *natsPort, filepath.Join(*dataDir, "nats"))
	if err != nil {
		return err
	}
	defer nats.Stop()
	log.Info("nats ready", "url", nats.URL(), "data", filepath.Join(*dataDir, "nats"))

	ferret, err := embedded.StartFerretDB(*mongoAddr, filepath.Join(*dataDir, "ferretdb"), nil)
	if err != nil {
		return err
	}
	defer ferret.Stop()
	log.Info("ferretdb ready", "uri", ferret.URI(), "data", filepath.Join(*dataDir, "ferretdb"))

	env := []string{"TUIJIN_NATS_URL=" + nats.URL(), "TUIJIN_MONGO_URI=" + ferret.URI()}
	var procs []*stack.Proc
	defer func() {
		// Reverse order: consumers stop before the producers they feed.
		for i := len(procs) - 1; i >= 0; i-- {
			if err := procs[i].Stop(15 * time.Second); err != nil {
				log.Warn("service stopped with an error", "name", procs[i].Name, "err", err)
			}
		}
		log.Info("stopped; data kept in " + *dataDir)
	}()
	for _, s := range stack.Services {
		p, err := stack.Start(filepath.Join(*binDir, s.Name), s.Name, fmt.Sprintf("127.0.0.1:%d", s.Port), env, os.Stdout)
		if err != nil {
			return err
		}
		procs = append(procs, p)
	}
	readyCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, p := range procs {
		if err := p.WaitReady(readyCtx); err != nil {
			return err
		}
	}
	if *demo {
		if err := loadDemo(ctx, procs[0].URL(), log); err != nil {
			return err
		}
	}
	log.Info("Tuijin is up: intake :8081, ledger :8082, deadline :8083, coordination-meeting :8084, notification :8085 — Ctrl-C stops")

	exited := make(chan *stack.Proc, len(procs))
	for _, p := range procs {
		go func() { <-p.Done(); exited <- p }()
	}
	select {
	case <-ctx.Done():
		log.Info("stopping")
		return nil
	case p := <-exited:
		return errors.New(p.Name + " exited unexpectedly: " + fmt.Sprint(p.Err()))
	}
}
