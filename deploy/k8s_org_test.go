package deploy

import (
	"bytes"
	"os"
	"path"
	"strings"
	"testing"
)

// orgConfigMap holds the organisation file (k8s/base/kustomization.yaml).
const orgConfigMap = "tuijin-org"

// checkOrganisation: every container of Tuijin's own images (the services,
// the portal, the provisioning Job) reads TUIJIN_ORG_FILE from a file of
// the ConfigMap tuijin-org mounted where the variable points. Without it a
// service falls back to the demo organisation, and one whose file is
// missing does not start.
func checkOrganisation(t *testing.T, s *stack) {
	var cm string
	for name, c := range s.configMaps {
		if name == orgConfigMap || strings.HasPrefix(name, orgConfigMap+"-") {
			cm = name
			if strings.TrimSpace(c.Data["org.yaml"]) == "" {
				t.Errorf("ConfigMap %s has no org.yaml", name)
			}
		}
	}
	if cm == "" {
		t.Fatalf("no ConfigMap %s", orgConfigMap)
	}
	readers := 0
	for _, p := range s.pods() {
		for _, c := range allContainers(p.template) {
			if !strings.HasPrefix(c.Image, "tuijin/") {
				continue
			}
			readers++
			where := p.owner + " container " + c.Name
			file := envMap(c.Env)["TUIJIN_ORG_FILE"].Value
			if path.Base(file) != "org.yaml" {
				t.Errorf("%s: TUIJIN_ORG_FILE %q, want a path to the ConfigMap's org.yaml", where, file)
				continue
			}
			if !mountsConfigMap(p.template, &c, cm, path.Dir(file)) {
				t.Errorf("%s: ConfigMap %s is not mounted at %s", where, cm, path.Dir(file))
			}
		}
	}
	// The five services, the portal and the provisioning Job.
	if readers != len(services)+2 {
		t.Errorf("%d containers of Tuijin's images, want %d", readers, len(services)+2)
	}
}

// The base's organisation is the demo one, which the services use when no
// file is named: one organisation for make run, compose and the base, until
// an installation replaces it.
func TestKustomizeBaseOrganisationIsTheDemo(t *testing.T) {
	base, err := os.ReadFile("../k8s/base/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	demo, err := os.ReadFile("../pkg/domain/org/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(base, demo) {
		t.Error("k8s/base/org.yaml differs from pkg/domain/org/demo.yaml: copy the demo over it (cp pkg/domain/org/demo.yaml k8s/base/org.yaml)")
	}
}
