// Package issuer is the small token issuer of the local run: local accounts
// from a YAML file (bcrypt hashes), a signing key kept on disk, and the
// endpoints an OpenID Connect relying party expects (discovery, JWKS, a
// sign-in page for the authorization code flow with PKCE, a token
// endpoint) plus POST /v1/login for scripts. Production points the services at the
// government's OIDC provider instead; the services cannot tell the two apart.
package issuer

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/tuijin/tuijin/pkg/auth"
)

// Key is an Ed25519 signing key with its key id.
type Key struct {
	jwk    jose.JSONWebKey
	signer jose.Signer
}

// NewKey generates a fresh signing key.
func NewKey() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return keyOf(priv)
}

func keyOf(priv ed25519.PrivateKey) (*Key, error) {
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	jwk := jose.JSONWebKey{Key: priv, KeyID: base64.RawURLEncoding.EncodeToString(sum[:12]),
		Algorithm: string(jose.EdDSA), Use: "sig"}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jwk},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	return &Key{jwk: jwk, signer: signer}, nil
}

// LoadOrCreateKey reads the key kept at path, or creates one there (mode
// 0600), so that tokens outlive a restart of the local run.
func LoadOrCreateKey(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k, err := NewKey()
		if err != nil {
			return nil, err
		}
		out, err := json.Marshal(k.jwk)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, out, 0o600); err != nil {
			return nil, err
		}
		return k, nil
	}
	if err != nil {
		return nil, err
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(b, &jwk); err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	priv, ok := jwk.Key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: not an Ed25519 private key", path)
	}
	return keyOf(priv)
}

// JWKS is the public half of the key as the JWKS services verify with.
func (k *Key) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.jwk.Public()}}
}

// WriteJWKS writes the public JWKS to path.
func (k *Key) WriteJWKS(path string) error {
	b, err := json.Marshal(k.JWKS())
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// Sign issues a token for c from issuer to audience, valid for ttl from now.
func (k *Key) Sign(issuer, audience string, c auth.Claims, now time.Time, ttl time.Duration) (string, error) {
	reg := jwt.Claims{
		Issuer: issuer, Subject: c.Subject, Audience: jwt.Audience{audience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(ttl)), ID: uuid.NewString(),
	}
	return jwt.Signed(k.signer).Claims(reg).Claims(c).Serialize()
}

// SignID issues an OpenID Connect ID token for c to client, carrying the
// nonce of the authorization request (when there was one).
func (k *Key) SignID(issuer, client, nonce string, c auth.Claims, now time.Time, ttl time.Duration) (string, error) {
	reg := jwt.Claims{
		Issuer: issuer, Subject: c.Subject, Audience: jwt.Audience{client},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(ttl)), ID: uuid.NewString(),
	}
	extra := map[string]any{"azp": client, "auth_time": now.Unix()}
	if nonce != "" {
		extra["nonce"] = nonce
	}
	return jwt.Signed(k.signer).Claims(reg).Claims(c).Claims(extra).Serialize()
}
