package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/embedded"
)

// localNATS is the embedded NATS of a local run, with the users and
// permissions of bus.Grants and the passwords kept under the data dir.
type localNATS struct {
	*embedded.NATS
	passwords map[string]string
}

// startNATS starts NATS with a user per service and department (random
// passwords made at first start, kept in <dir>/passwords/<user>, mode
// 0600), then, as operations, creates the streams and each department's
// durable consumer, which departments may only pull from.
func startNATS(ctx context.Context, port int, dir string, log *slog.Logger) (*localNATS, error) {
	// The departments of the organisation the services load.
	o, err := org.Load(os.Getenv("TUIJIN_ORG_FILE"))
	if err != nil {
		return nil, err
	}
	var depts []string
	for _, d := range o.Departments {
		depts = append(depts, d.Code)
	}
	pwDir := filepath.Join(dir, "passwords")
	pw, err := embedded.LoadPasswords(pwDir, embedded.NATSUserNames(depts))
	if err != nil {
		return nil, err
	}
	users, err := embedded.NATSUsers(depts, pw)
	if err != nil {
		return nil, err
	}
	n, err := embedded.StartNATS("127.0.0.1", port, dir, users...)
	if err != nil {
		return nil, err
	}
	ops := bus.Auth{User: bus.OperationsUser, Password: pw[bus.OperationsUser]}
	nc, js, err := bus.Connect(n.URL(), "tuijin-local", log, ops.Options()...)
	if err == nil {
		defer nc.Close()
		err = bus.EnsureStreams(ctx, js, 1)
	}
	if err == nil {
		err = bus.EnsureDepartmentConsumers(ctx, js, depts)
	}
	if err != nil {
		n.Stop()
		return nil, fmt.Errorf("provision nats: %w", err)
	}
	log.Info("nats users ready", "passwords", pwDir, "departments", depts)
	return &localNATS{NATS: n, passwords: pw}, nil
}

// env is how service logs in: its own user, its password.
func (n *localNATS) env(service string) []string {
	return []string{"TUIJIN_NATS_USER=" + service, "TUIJIN_NATS_PASSWORD=" + n.passwords[service]}
}
