// Command nats-authz prints the authorization block of a nats-server
// config for production: the users and subject permissions of pkg/bus's
// table (the same the embedded server runs), one user per department of
// the organisation, and each password as an environment variable of the
// server (TUIJIN_NATS_PASSWORD_<USER>), which Kubernetes fills from a
// Secret. The output holds no secret.
//
//	go run ./tools/cmd/nats-authz --org-file org.yaml > authorization.conf
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

func main() {
	orgFile := flag.String("org-file", os.Getenv("TUIJIN_ORG_FILE"), "organisation YAML (empty: the demo organisation)")
	flag.Parse()
	o, err := org.Load(*orgFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nats-authz:", err)
		os.Exit(1)
	}
	fmt.Print(bus.AuthorizationConf(o.DepartmentCodes()))
}
