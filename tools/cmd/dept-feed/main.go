// Command dept-feed is what a department's own system does to receive its
// work: it reads tuijin.ledger.item.assigned.<department> through a durable
// JetStream consumer and prints each assignment as a JSON line. Stopped and
// started again, it goes on where it left off.
//
//	go run ./tools/cmd/dept-feed --department zrzy
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"

	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"

	"github.com/tuijin/tuijin/pkg/event"
)

func main() {
	var (
		natsURL = flag.String("nats-url", envOr("TUIJIN_NATS_URL", nats.DefaultURL), "NATS server")
		dept    = flag.String("department", "", "department code, e.g. zrzy")
		durable = flag.String("durable", "", "consumer name (default dept-<department>)")
	)
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *dept == "" {
		log.Error("--department is required")
		os.Exit(2)
	}
	if *durable == "" {
		*durable = "dept-" + *dept
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *natsURL, *dept, *durable); err != nil {
		log.Error("dept-feed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, dept, durable string) error {
	nc, err := nats.Connect(url, nats.Name("dept-feed "+dept))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "TUIJIN_EVENTS", jetstream.ConsumerConfig{
		Durable:       durable,
		FilterSubject: event.ForDepartment(event.TypeItemAssigned, dept),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
	})
	if err != nil {
		return err
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
