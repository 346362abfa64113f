package deploy

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// secretish names env vars that must never carry a literal value.
var secretish = regexp.MustCompile(`(?i)(passw|secret|token|credential|keyfile|api_?key|_URI$|_USER(NAME)?$)`)

func checkEnvVar(t *testing.T, where string, e corev1.EnvVar) {
	t.Helper()
	if secretish.MatchString(e.Name) {
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("%s: %s must come from a Secret, not a literal", where, e.Name)
			return
		}
	}
	if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
		checkSecretRef(t, where+" env "+e.Name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
	}
	if credentialURL.MatchString(e.Value) {
		t.Errorf("%s: %s carries credentials: %q", where, e.Name, e.Value)
	}
}

func checkSecretRef(t *testing.T, where, name string, keys ...string) {
	t.Helper()
	switch name {
	case mongoSecret:
		for _, k := range keys {
			if !slices.Contains(mongoSecretKeys, k) {
				t.Errorf("%s: key %q of Secret %s is not one of the documented %v", where, k, name, mongoSecretKeys)
			}
		}
	case natsSecret:
		for _, k := range keys {
			if !natsSecretKey.MatchString(k) {
				t.Errorf("%s: key %q of Secret %s is not a documented %s", where, k, name, natsSecretKey)
			}
		}
	case portalSecret:
		for _, k := range keys {
			if !slices.Contains(portalSecretKeys, k) {
				t.Errorf("%s: key %q of Secret %s is not one of the documented %v", where, k, name, portalSecretKeys)
			}
		}
	default:
		t.Errorf("%s: Secret %q is not one of the documented %q, %q, %q", where, name, mongoSecret, natsSecret, portalSecret)
	}
}

// natsSecretKey are the keys of the tuijin-nats Secret documented in
// k8s/base/nats.yaml: one password per NATS user.
var natsSecretKey = regexp.MustCompile(`^TUIJIN_NATS_PASSWORD_[A-Z0-9_]+$`)

// natsPasswordKey is the key of service's password in tuijin-nats (as
// pkg/bus.PasswordVar names it).
func natsPasswordKey(service string) string {
	return "TUIJIN_NATS_PASSWORD_" + strings.ToUpper(strings.ReplaceAll(service, "-", "_"))
}

func secretItemKeys(items []corev1.KeyToPath) []string {
	var ks []string
	for _, it := range items {
		ks = append(ks, it.Key)
	}
	return ks
}

// credentialURL matches user:password@ in a URL.
var credentialURL = regexp.MustCompile(`://[^/\s@:'"]+:[^/\s@'"]*@`)

// literalSecret matches YAML keys whose value would be a secret.
// (a scalar on the same line: a "secret:" volume source is a mapping).
// A $VARIABLE (nats-server's reference to its environment) is no literal.
var literalSecret = regexp.MustCompile(`(?im)^[ \t]*-?[ \t]*(password|passwd|secret|token|api_?key)[ \t]*:[ \t]*[^\s{\[$]`)

// checkNoLiteralSecrets scans the rendered text itself, whatever the kind.
func checkNoLiteralSecrets(t *testing.T, rendered []byte) {
	t.Helper()
	if m := credentialURL.Find(rendered); m != nil {
		t.Errorf("rendered manifests contain credentials in a URL: %q", m)
	}
	if m := literalSecret.Find(rendered); m != nil {
		t.Errorf("rendered manifests contain a literal secret: %q", m)
	}
	if regexp.MustCompile(`(?m)^kind:\s*Secret\s*$`).Match(rendered) {
		t.Errorf("rendered manifests contain a Secret")
	}
}

// urlHost matches scheme://host in text.
var urlHost = regexp.MustCompile(`[a-z][a-z0-9+.-]*://([^/\s:'"?,\]]+)`)

// checkHosts allows only in-cluster names (the stores' and the services'
// Services) and wildcard/loopback binds in URLs.
func checkHosts(t *testing.T, rendered []byte) {
	t.Helper()
	allowed := regexp.MustCompile(`^(nats|nats-\d+\.nats-headless|mongodb|mongodb-\d+\.mongodb|0\.0\.0\.0|127\.0\.0\.1)$`)
	for _, m := range urlHost.FindAllSubmatch(rendered, -1) {
		if !allowed.Match(m[1]) && !slices.ContainsFunc(services, func(v service) bool { return v.name == string(m[1]) }) {
			t.Errorf("rendered manifests name host %q (%s)", m[1], m[0])
		}
	}
}
