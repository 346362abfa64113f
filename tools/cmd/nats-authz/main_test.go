package main

import (
	"flag"
	"os"
	"testing"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

var update = flag.Bool("update", false, "rewrite k8s/base/nats-authorization.conf")

const committed = "../../../k8s/base/nats-authorization.conf"

// The authorization block the k8s base ships is the permission table's for
// the demo organisation: a change of the table shows up there, or here.
//
//	go test ./tools/cmd/nats-authz -update   # regenerate it
func TestCommittedAuthorizationIsTheTables(t *testing.T) {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	want := bus.AuthorizationConf(o.DepartmentCodes())
	if *update {
		if err := os.WriteFile(committed, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s differs from the permission table; run go test ./tools/cmd/nats-authz -update", committed)
	}
}
