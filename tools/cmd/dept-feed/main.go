// Command dept-feed is what a department's own system does to receive its
// work: it reads tuijin.ledger.item.assigned.<department> through the
// department's durable JetStream consumer and prints each assignment as a
// JSON line. Stopped and started again, it goes on where it left off.
//
// It logs in as the department's NATS user (dept-<department>), whose
// permissions allow pulling from that one durable and nothing else: the
// durable is created by operations (tuijin-local does it at start), not by
// the department. The password comes from the environment or a file,
// never from a flag (flags show in the process list):
//
//	TUIJIN_NATS_PASSWORD_FILE=.tuijin/nats/passwords/dept-zrzy go run ./tools/cmd/dept-feed --department zrzy
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"

	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
)

func main() {
	var (
		natsURL = flag.String("nats-url", envOr("TUIJIN_NATS_URL", nats.DefaultURL), "NATS server")
		dept    = flag.String("department", "", "department code, e.g. zrzy")
		user    = flag.String("nats-user", os.Getenv("TUIJIN_NATS_USER"), "NATS user (default dept-<department>)")
		pwFile  = flag.String("nats-password-file", os.Getenv("TUIJIN_NATS_PASSWORD_FILE"), "file holding the NATS password (or set TUIJIN_NATS_PASSWORD)")
		creds   = flag.String("nats-creds", os.Getenv("TUIJIN_NATS_CREDS_FILE"), "NATS .creds file instead of a password")
	)
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *dept == "" {
		log.Error("--department is required")
		os.Exit(2)
	}
	if *user == "" {
		*user = bus.DepartmentUser(*dept)
	}
	auth := bus.Auth{User: *user, Password: os.Getenv("TUIJIN_NATS_PASSWORD"), CredsFile: *creds}
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			log.Error("password file", "err", err)
			os.Exit(2)
		}
		auth.Password = strings.TrimSpace(string(b))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *natsURL, *dept, auth, log); err != nil {
		log.Error("dept-feed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, dept string, auth bus.Auth, log *slog.Logger) error {
	nc, js, err := bus.Connect(url, "dept-feed "+dept, log, auth.Options()...)
	if err != nil {
		return err
	}
	defer nc.Close()
	cons, err := js.Consumer(ctx, bus.EventsStream, bus.DepartmentDurable(dept))
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("no consumer %s: operations create it (tuijin-local does at start)", bus.DepartmentDurable(dept))
	}
	if err != nil {
		return fmt.Errorf("consumer %s: %w", bus.DepartmentDurable(dept), err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if err := print(m.Data()); err != nil {
			fmt.Fprintln(os.Stderr, "skipping undecodable message:", err)
			_ = m.Term()
			return
		}
		_ = m.Ack()
	})
	if err != nil {
		return err
	}
	defer cc.Stop()
	<-ctx.Done()
	return nil
}

func print(data []byte) error {
	env, err := event.Decode(data)
	if err != nil {
		return err
	}
	var a ledgerv1.ItemAssigned
	if err := event.Payload(env, &a); err != nil {
		return err
	}
	payload, err := protojson.Marshal(&a)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"event_id": env.GetId(), "type": env.GetType(), "item": json.RawMessage(payload),
	})
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
