// Command tuijin-ops is what operations run against a Tuijin NATS, as the
// operations user (its password from TUIJIN_NATS_PASSWORD or a file, never
// a flag):
//
//	tuijin-ops ensure --replicas 3            # streams (R3 in production) and the department durables
//	tuijin-ops lag                            # each department durable: pending, unacked, oldest pending
//	tuijin-ops replay --department zrzy --since 2026-11-01
//
// replay makes department zrzy's durable dept-zrzy deliver again every
// assignment from that date on (midnight Beijing time; an RFC 3339 instant
// is taken as it is): NATS cannot move a consumer's start, so the durable is
// created again with the same name, filter and settings, starting at the
// date. A date before the stream's first message (older events are gone:
// the stream keeps 90 days) or in the future is refused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Beijing time without the system's zone files

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

const usage = `usage: tuijin-ops [connection flags] <command> [flags]
commands:
  ensure  [--replicas N] [--org-file F]   create or update the streams and the department durables
  lag     [--org-file F]                  each department durable's backlog
  replay  --department CODE --since DATE  redeliver a department's assignments from DATE on
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, time.Now); err != nil {
		fmt.Fprintln(os.Stderr, "tuijin-ops:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("bad usage")

func run(ctx context.Context, args []string, out io.Writer, now func() time.Time) error {
	top := flag.NewFlagSet("tuijin-ops", flag.ContinueOnError)
	natsURL := top.String("nats-url", envOr("TUIJIN_NATS_URL", nats.DefaultURL), "NATS server")
	user := top.String("nats-user", envOr("TUIJIN_NATS_USER", bus.OperationsUser), "NATS user")
	pwFile := top.String("nats-password-file", os.Getenv("TUIJIN_NATS_PASSWORD_FILE"), "file holding the NATS password (or set TUIJIN_NATS_PASSWORD)")
	creds := top.String("nats-creds", os.Getenv("TUIJIN_NATS_CREDS_FILE"), "NATS .creds file instead of a password")
	if err := top.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if top.NArg() == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, rest := top.Arg(0), top.Args()[1:]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	orgFile := fs.String("org-file", os.Getenv("TUIJIN_ORG_FILE"), "organisation YAML (empty: the demo organisation)")
	replicas := fs.Int("replicas", envInt("TUIJIN_NATS_REPLICAS", 1), "replicas of the streams (3 on a 3-server cluster)")
	dept := fs.String("department", "", "department code, e.g. zrzy")
	sinceArg := fs.String("since", "", "YYYY-MM-DD (midnight Beijing time) or an RFC 3339 instant")
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	auth := bus.Auth{User: *user, Password: os.Getenv("TUIJIN_NATS_PASSWORD"), CredsFile: *creds}
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			return fmt.Errorf("password file: %w", err)
		}
		auth.Password = strings.TrimSpace(string(b))
	}

	if !slices.Contains([]string{"ensure", "lag", "replay"}, cmd) {
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	codes, err := departments(*orgFile)
	if err != nil {
		return err
	}
	var since time.Time
	if cmd == "replay" {
		if *dept == "" || *sinceArg == "" {
			return fmt.Errorf("%w: replay needs --department and --since", errUsage)
		}
		if !slices.Contains(codes, *dept) {
			return fmt.Errorf("department %q is not in the organisation (%s)", *dept, strings.Join(codes, ", "))
		}
		if since, err = parseSince(*sinceArg); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	nc, js, err := bus.Connect(*natsURL, "tuijin-ops "+cmd, log, auth.Options()...)
	if err != nil {
		return err
	}
	defer nc.Close()

	switch cmd {
	case "ensure":
		if err := bus.EnsureStreams(ctx, js, *replicas); err != nil {
			return err
		}
		if err := bus.EnsureDepartmentConsumers(ctx, js, codes); err != nil {
			return err
		}
		fmt.Fprintf(out, "streams ensured with %d replica(s); durables of %s ensured\n", *replicas, strings.Join(codes, ", "))
		return nil
	case "lag":
		return printLag(ctx, js, codes, out, now())
	default: // replay
		cfg, err := bus.ReplayDepartment(ctx, js, *dept, since, now())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "durable %s on %s now delivers from %s\n", cfg.Durable, cfg.FilterSubject, cfg.OptStartTime.Format(time.RFC3339))
		return nil
	}
}

// parseSince reads a date as its midnight in Beijing time, or an RFC 3339 instant.
func parseSince(s string) (time.Time, error) {
	if d, err := time.ParseInLocation(time.DateOnly, s, workday.Zone); err == nil {
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want YYYY-MM-DD or an RFC 3339 instant", s)
}

// printLag prints, per department durable, what waits for the department
// and since when: the stream drops a message at 90 days, consumed or not.
func printLag(ctx context.Context, js jetstream.JetStream, codes []string, out io.Writer, now time.Time) error {
	s, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-12s %10s %10s  %s\n", "durable", "pending", "unacked", "oldest pending")
	for _, d := range codes {
		c, err := s.Consumer(ctx, bus.DepartmentDurable(d))
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			fmt.Fprintf(out, "%-12s missing: run tuijin-ops ensure\n", bus.DepartmentDurable(d))
			continue
		}
		if err != nil {
			return err
		}
		info := c.CachedInfo()
		oldest := "-"
		if info.NumPending+uint64(info.NumAckPending) > 0 {
			m, err := s.GetMsg(ctx, info.AckFloor.Stream+1, jetstream.WithGetMsgSubject(info.Config.FilterSubject))
			if err != nil {
				return fmt.Errorf("oldest pending of %s: %w", info.Name, err)
			}
			oldest = fmt.Sprintf("%s (%.1f days)", m.Time.In(workday.Zone).Format(time.RFC3339), now.Sub(m.Time).Hours()/24)
		}
		fmt.Fprintf(out, "%-12s %10d %10d  %s\n", info.Name, info.NumPending, info.NumAckPending, oldest)
	}
	return nil
}

func departments(file string) ([]string, error) {
	o, err := org.Load(file)
	if err != nil {
		return nil, err
	}
	return o.DepartmentCodes(), nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(key), &n); err != nil || n < 1 {
		return def
	}
	return n
}
