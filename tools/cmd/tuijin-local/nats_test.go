package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// The local NATS lets in only its users: each service came up as its own
// (the launcher handed it its password), every password is a file of its
// own under the data dir that only its owner may read, a client without
// credentials or with a wrong password is refused, and a department's
// password binds its durable, which the launcher created.
func TestLocalNATSHasAUserForEachServiceAndDepartment(t *testing.T) {
	l := startLauncher(t)
	dir := filepath.Join(l.data, "nats", "passwords")
	pw := func(user string) string {
		t.Helper()
		path := filepath.Join(dir, user)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", path, st.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	for _, u := range append([]string{bus.OperationsUser}, bus.ServiceUsers()...) {
		if len(pw(u)) < 32 {
			t.Errorf("%s: password of %d characters", u, len(pw(u)))
		}
	}
	for _, auth := range []bus.Auth{{}, {User: bus.UserLedger, Password: "guess"}} {
		nc, err := nats.Connect(l.nats, auth.Options()...)
		if err == nil {
			nc.Close()
			t.Fatalf("connected as %q without its password", auth.User)
		}
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("as %q: %v, want an authorization violation", auth.User, err)
		}
	}
	zrzy := bus.Auth{User: bus.DepartmentUser("zrzy"), Password: pw(bus.DepartmentUser("zrzy"))}
	nc, js, err := bus.Connect(l.nats, "zrzy", testenv.Logger(), zrzy.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.Consumer(ctx, bus.EventsStream, bus.DepartmentDurable("zrzy"))
	if err != nil {
		t.Fatalf("zrzy binds its durable: %v", err)
	}
	if cfg := cons.CachedInfo().Config; cfg.FilterSubject != "tuijin.ledger.item.assigned.zrzy" {
		t.Fatalf("zrzy's durable filters %q", cfg.FilterSubject)
	}
}
