package issuer

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/tuijin/tuijin/pkg/auth"
)

// Account is one local user of the issuer.
type Account struct {
	Username     string   `yaml:"username"`
	Name         string   `yaml:"name"`
	Roles        []string `yaml:"roles"`
	Department   string   `yaml:"department,omitempty"`
	Owner        string   `yaml:"owner,omitempty"`
	PasswordHash string   `yaml:"password_hash"`
}

// Accounts are the issuer's users by username.
type Accounts struct {
	byName map[string]Account
	// dummy is compared against when the user is unknown, so that a probe
	// for user names takes as long as a wrong password.
	dummy []byte
}

// LoadAccounts reads an accounts file:
//
//	accounts:
//	  - {username: wangfang, name: 王芳, roles: [officer], password_hash: $2a$10$...}
//
// Every account needs a username, a known role and a bcrypt hash; clerks
// and leaders a department, owners their organisation.
func LoadAccounts(r io.Reader) (*Accounts, error) {
	var f struct {
		Accounts []Account `yaml:"accounts"`
	}
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	a := &Accounts{byName: map[string]Account{}}
	for i, acc := range f.Accounts {
		if err := acc.check(); err != nil {
			return nil, fmt.Errorf("accounts[%d] %q: %w", i, acc.Username, err)
		}
		if _, dup := a.byName[acc.Username]; dup {
			return nil, fmt.Errorf("accounts[%d]: username %q twice", i, acc.Username)
		}
		a.byName[acc.Username] = acc
	}
	if len(a.byName) == 0 {
		return nil, fmt.Errorf("accounts: none defined")
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	a.dummy = dummy
	return a, nil
}

func (a Account) check() error {
	if strings.TrimSpace(a.Username) == "" {
		return fmt.Errorf("username is required")
	}
	if len(a.Roles) == 0 {
		return fmt.Errorf("at least one role is required")
	}
	c := a.claims()
	for _, r := range a.Roles {
		if !auth.Role(r).Valid() {
			return fmt.Errorf("unknown role %q (known: %v)", r, auth.Roles)
		}
	}
	p := c.Principal()
	if p.Has(auth.Clerk, auth.Leader) && a.Department == "" {
		return fmt.Errorf("a clerk or leader needs a department")
	}
	if p.Has(auth.Owner) && a.Owner == "" {
		return fmt.Errorf("an owner needs the owner organisation")
	}
	if p.Has(auth.Officer) && a.Name == "" {
		return fmt.Errorf("an officer needs the name projects record")
	}
	if _, err := bcrypt.Cost([]byte(a.PasswordHash)); err != nil {
		return fmt.Errorf("password_hash is not a bcrypt hash: %w", err)
	}
	return nil
}

func (a Account) claims() auth.Claims {
	return auth.Claims{Subject: a.Username, Name: a.Name, Roles: a.Roles, Department: a.Department, Owner: a.Owner}
}

// Check returns the claims of username when password is theirs.
func (a *Accounts) Check(username, password string) (auth.Claims, bool) {
	acc, ok := a.byName[username]
	if !ok {
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		return auth.Claims{}, false
	}
	if bcrypt.CompareHashAndPassword([]byte(acc.PasswordHash), []byte(password)) != nil {
		return auth.Claims{}, false
	}
	return acc.claims(), true
}
