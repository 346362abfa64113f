package embedded

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tuijin/tuijin/pkg/bus"
)

// The config production's servers load (bus.AuthorizationConf) gives the
// users exactly the permissions the embedded server gives them.
func TestAuthorizationConfMatchesTheEmbeddedUsers(t *testing.T) {
	depts := []string{"zrzy", "fgw"}
	pw := map[string]string{}
	for _, u := range NATSUserNames(depts) {
		pw[u] = NewPassword()
		t.Setenv(bus.PasswordVar(u), pw[u])
	}
	path := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(path, []byte(bus.AuthorizationConf(depts)), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := NATSUsers(depts, pw)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Users) != len(want) {
		t.Fatalf("config has %d users, want %d", len(opts.Users), len(want))
	}
	for i, w := range want {
		got, ws := opts.Users[i], w.server()
		if got.Username != ws.Username || got.Password != ws.Password {
			t.Errorf("user %d: %s, want %s with its password", i, got.Username, ws.Username)
			continue
		}
		if (got.Permissions == nil) != (ws.Permissions == nil) {
			t.Errorf("%s: permissions %v, want %v", w.Name, got.Permissions, ws.Permissions)
			continue
		}
		if ws.Permissions == nil {
			continue
		}
		if !slices.Equal(got.Permissions.Publish.Allow, ws.Permissions.Publish.Allow) ||
			!slices.Equal(got.Permissions.Subscribe.Allow, ws.Permissions.Subscribe.Allow) {
			t.Errorf("%s: config allows %v / %v, the table %v / %v", w.Name, got.Permissions.Publish.Allow,
				got.Permissions.Subscribe.Allow, ws.Permissions.Publish.Allow, ws.Permissions.Subscribe.Allow)
		}
	}
}
