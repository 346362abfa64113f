package embedded

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tuijin/tuijin/pkg/bus"
)

// NATSUser is a user of the embedded server. Nil Permissions leave it
// unrestricted: the operations user.
type NATSUser struct {
	Name        string
	Password    string
	Permissions *bus.Permissions
}

func (u NATSUser) server() *server.User {
	su := &server.User{Username: u.Name, Password: u.Password}
	if u.Permissions != nil {
		su.Permissions = &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: u.Permissions.Publish},
			Subscribe: &server.SubjectPermission{Allow: u.Permissions.Subscribe},
		}
	}
	return su
}

// NATSUserNames are the users of bus's permission table: operations, the
// five services and one per department of depts.
func NATSUserNames(depts []string) []string {
	names := append([]string{bus.OperationsUser}, bus.ServiceUsers()...)
	for _, d := range depts {
		names = append(names, bus.DepartmentUser(d))
	}
	return names
}

// NATSUsers turns bus's permission table into the server's users, each
// with its password from passwords (which must hold every one of
// NATSUserNames(depts)).
func NATSUsers(depts []string, passwords map[string]string) ([]NATSUser, error) {
	users := []NATSUser{{Name: bus.OperationsUser}}
	for _, name := range bus.ServiceUsers() {
		p, err := bus.ServicePermissions(name)
		if err != nil {
			return nil, err
		}
		users = append(users, NATSUser{Name: name, Permissions: &p})
	}
	for _, d := range depts {
		p := bus.DepartmentPermissions(d)
		users = append(users, NATSUser{Name: bus.DepartmentUser(d), Permissions: &p})
	}
	for i := range users {
		pw, ok := passwords[users[i].Name]
		if !ok || pw == "" {
			return nil, fmt.Errorf("no NATS password for user %s", users[i].Name)
		}
		users[i].Password = pw
	}
	return users, nil
}

// NewPassword is a random password of 32 bytes. It starts with a letter
// and holds no '-': nats-server parses a password given as an environment
// variable (bus.AuthorizationConf) as a config value, where a leading
// digit makes a number.
func NewPassword() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return "t" + hex.EncodeToString(b)
}

// LoadPasswords reads each user's password from dir/<user>, making a random
// one on first use. The files are the user's alone to read (0600): a
// department's system is handed its own file, nothing else.
func LoadPasswords(dir string, users []string) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("password dir: %w", err)
	}
	out := make(map[string]string, len(users))
	for _, u := range users {
		path := filepath.Join(dir, u)
		b, err := os.ReadFile(path)
		switch {
		case err == nil && strings.TrimSpace(string(b)) != "":
			out[u] = strings.TrimSpace(string(b))
			continue
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("password of %s: %w", u, err)
		}
		pw := NewPassword()
		if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("password of %s: %w", u, err)
		}
		out[u] = pw
	}
	return out, nil
}
