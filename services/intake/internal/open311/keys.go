package open311

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tuijin/tuijin/pkg/auth"
)

// MinKeyLength refuses keys short enough to guess.
const MinKeyLength = 16

// Key is one api_key holder: the owner organisation its requests are
// submitted for, and a name for the audit trail. Only the key's SHA-256 is
// kept.
type Key struct {
	Owner string
	Name  string
	hash  [sha256.Size]byte
}

// Keys are the api_keys POST requests accepts.
type Keys struct{ keys []Key }

// ParseKeys reads keys from the environment's entries ("organisation=key",
// the key itself) and a keys file (YAML: keys: [{owner, name, sha256}],
// the keys' SHA-256 in hex, so that the file holds no key). Neither need be
// given: without keys every POST is refused.
func ParseKeys(entries []string, file string) (*Keys, error) {
	var ks Keys
	for _, e := range entries {
		owner, key, ok := strings.Cut(e, "=")
		owner, key = strings.TrimSpace(owner), strings.TrimSpace(key)
		if !ok || owner == "" {
			return nil, fmt.Errorf("open311 keys: an entry is not organisation=key")
		}
		if len(key) < MinKeyLength {
			return nil, fmt.Errorf("open311 keys: the key of %s is shorter than %d characters", owner, MinKeyLength)
		}
		h := sha256.Sum256([]byte(key))
		ks.keys = append(ks.keys, Key{Owner: owner, Name: hex.EncodeToString(h[:4]), hash: h})
	}
	if file == "" {
		return &ks, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("open311 keys: %w", err)
	}
	var f struct {
		Keys []struct{ Owner, Name, SHA256 string } `yaml:"keys"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("open311 keys %s: %w", file, err)
	}
	for i, k := range f.Keys {
		raw, err := hex.DecodeString(strings.TrimSpace(k.SHA256))
		if err != nil || len(raw) != sha256.Size || strings.TrimSpace(k.Owner) == "" {
			return nil, fmt.Errorf("open311 keys %s: key %d needs an owner and a sha256 of 64 hex digits", file, i+1)
		}
		key := Key{Owner: strings.TrimSpace(k.Owner), Name: strings.TrimSpace(k.Name)}
		copy(key.hash[:], raw)
		if key.Name == "" {
			key.Name = hex.EncodeToString(raw[:4])
		}
		ks.keys = append(ks.keys, key)
	}
	return &ks, nil
}

// Len is how many keys there are.
func (ks *Keys) Len() int { return len(ks.keys) }

// Lookup returns the holder of key. Every key's hash is compared, in
// constant time, whether or not one matched before: how long the answer
// takes tells nothing about which keys exist.
func (ks *Keys) Lookup(key string) (Key, bool) {
	h := sha256.Sum256([]byte(key))
	found, match := -1, 0
	for i := range ks.keys {
		if subtle.ConstantTimeCompare(h[:], ks.keys[i].hash[:]) == 1 && found < 0 {
			found, match = i, 1
		}
	}
	if match == 0 || key == "" {
		return Key{}, false
	}
	return ks.keys[found], true
}

// Principal is who a request posted with k is submitted as: an owner of
// k's organisation, as a token with that owner claim would be.
func (k Key) Principal() auth.Principal {
	return auth.Principal{Subject: "open311:" + k.Name, Name: "Open311 " + k.Name,
		Roles: []auth.Role{auth.Owner}, Owner: k.Owner}
}
