// Package testenv starts real servers for tests: an embedded nats-server with
// JetStream and an embedded FerretDB, each private to the calling test and
// listening on loopback only.
package testenv

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/embedded"
	"github.com/tuijin/tuijin/pkg/mongox"
)

// NATS starts a JetStream-enabled nats-server for the test and returns its
// client URL. It runs with the permission table (bus.Grants): every service
// and department logs in as its own user (NATSAuth), so whatever a test
// runs is held to its permissions. It is stopped when the test ends.
func NATS(t testing.TB) string {
	t.Helper()
	depts := Departments(t)
	pw := map[string]string{}
	for _, u := range embedded.NATSUserNames(depts) {
		pw[u] = NATSAuth(u).Password
	}
	users, err := embedded.NATSUsers(depts, pw)
	if err != nil {
		t.Fatal(err)
	}
	n, err := embedded.StartNATS("127.0.0.1", -1, t.TempDir(), users...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return n.URL()
}

// Departments are the department codes of the demo organisation, each of
// which has a NATS user in NATS's server.
func Departments(t testing.TB) []string {
	t.Helper()
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range o.Departments {
		codes = append(codes, d.Code)
	}
	return codes
}

// natsPasswords are the test process's passwords: random, so nothing in
// the repository is a password, and the same on every server a test starts.
var natsPasswords = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// NATSAuth is how user (a service, bus.OperationsUser or
// bus.DepartmentUser) logs in to a server of NATS.
func NATSAuth(user string) bus.Auth {
	natsPasswords.Lock()
	defer natsPasswords.Unlock()
	if natsPasswords.m[user] == "" {
		natsPasswords.m[user] = embedded.NewPassword()
	}
	return bus.Auth{User: user, Password: natsPasswords.m[user]}
}

// NATSArgs are the flags that log a service in as its own NATS user; none
// for a name that is not a service's.
func NATSArgs(service string) []string {
	if !slices.Contains(bus.ServiceUsers(), service) {
		return nil
	}
	a := NATSAuth(service)
	return []string{"--nats-user=" + a.User, "--nats-password=" + a.Password}
}

// NATSEnv is NATSArgs as a process's environment.
func NATSEnv(service string) []string {
	if !slices.Contains(bus.ServiceUsers(), service) {
		return nil
	}
	a := NATSAuth(service)
	return []string{"TUIJIN_NATS_USER=" + a.User, "TUIJIN_NATS_PASSWORD=" + a.Password}
}

// Connect connects to url as user for the test.
func Connect(t testing.TB, url, user string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, js, err := bus.Connect(url, t.Name()+" "+user, discardLogger(), NATSAuth(user).Options()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, js
}

// MongoURI starts a FerretDB for the test and returns its URI.
func MongoURI(t testing.TB) string {
	t.Helper()
	f, err := embedded.StartFerretDB("127.0.0.1:0", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	return f.URI()
}

// Mongo starts a FerretDB and returns a connected client.
func Mongo(t testing.TB) *mongo.Client {
	t.Helper()
	c, err := mongox.Connect(context.Background(), MongoURI(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

// JetStream starts a nats-server, creates Tuijin's streams and returns a
// JetStream handle of the operations user for the test.
func JetStream(t testing.TB) (string, jetstream.JetStream) {
	t.Helper()
	url := NATS(t)
	_, js := Connect(t, url, bus.OperationsUser)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bus.EnsureStreams(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	return url, js
}
