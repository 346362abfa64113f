package deploy

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// commentedPatches returns the patches an installation adds, as the
// production overlay shows them in comments (each "# - target:" block up
// to the next empty comment line), uncommented.
func commentedPatches(t *testing.T, kustomization string) []string {
	t.Helper()
	raw, err := os.ReadFile(kustomization)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur []string
	for _, line := range strings.Split(string(raw), "\n") {
		body, ok := strings.CutPrefix(line, "  # ")
		switch {
		case ok && strings.HasPrefix(body, "- target:"):
			cur = []string{"  " + body}
		case cur != nil && ok:
			cur = append(cur, "  "+body)
		case cur != nil:
			blocks = append(blocks, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	return blocks
}

// TestKustomizeInstallationPatches applies the production overlay's
// commented examples, as an installation's overlay would, and checks they
// do what the README says: the portal's host and certificate on the
// Ingress, and a department network (192.0.2.0/24) reaching NATS's client
// port and nothing else.
func TestKustomizeInstallationPatches(t *testing.T) {
	prod, err := filepath.Abs("../k8s/overlays/production")
	if err != nil {
		t.Fatal(err)
	}
	patches := commentedPatches(t, filepath.Join(prod, "kustomization.yaml"))
	if len(patches) != 2 {
		t.Fatalf("found %d commented patches in the production overlay, want 2 (Ingress host, department networks):\n%s", len(patches), strings.Join(patches, "\n---\n"))
	}
	body := strings.Join(patches, "\n")
	body = strings.NewReplacer("<portal host>", "portal.example.org", "<its certificate's Secret>", "portal-tls").Replace(body)
	dir := t.TempDir()
	// kustomize takes no absolute resource path.
	rel, err := filepath.Rel(dir, prod)
	if err != nil {
		t.Fatal(err)
	}
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - " + rel + "\npatches:\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := decodeStrict(render(t, dir))
	if err != nil {
		t.Fatalf("%v\n%s", err, k)
	}
	s := newStack(t, objs)

	ing := s.ingresses[portalName]
	if ing == nil || len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "portal.example.org" ||
		len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != "portal-tls" || len(ing.Spec.TLS[0].Hosts) != 1 ||
		ing.Spec.TLS[0].Hosts[0] != "portal.example.org" {
		t.Errorf("the Ingress example does not set the host and its certificate: %+v", ing)
	}

	nats := stackPeer(t, s, "StatefulSet/nats")
	mongo := stackPeer(t, s, "StatefulSet/mongodb")
	portal := stackPeer(t, s, "Deployment/"+portalName)
	dept := peer{name: "a department's system (192.0.2.0/24)", addr: netip.MustParseAddr("192.0.2.10")}
	other := peer{name: "a network no patch names", addr: netip.MustParseAddr("198.51.100.7")}
	fs := []flow{
		{dept, nats, tcp, 4222, true},
		{dept, nats, tcp, 6222, false},
		{dept, nats, tcp, 8222, false},
		{dept, mongo, tcp, 27017, false},
		{dept, portal, tcp, portalPort, false},
		{other, nats, tcp, 4222, false},
	}
	for _, svc := range services {
		fs = append(fs, flow{dept, stackPeer(t, s, "Deployment/"+svc.name), tcp, svc.port, false})
	}
	// What the services and operations had, they keep.
	fs = append(fs, flow{stackPeer(t, s, "Deployment/ledger"), nats, tcp, 4222, true},
		flow{stackPeer(t, s, "Job/"+provisioningJob), nats, tcp, 4222, true})
	for _, f := range fs {
		if got := allowed(s, f.src, f.dst, f.proto, f.port); got != f.allow {
			t.Errorf("with the department network patch: %s", f)
		}
	}
}
