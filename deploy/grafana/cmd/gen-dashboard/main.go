// Command gen-dashboard writes the operations dashboard's JSON (package
// grafana) to the file named by -o: make dashboards keeps
// k8s/base/grafana/tuijin-operations.json up to date with it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tuijin/tuijin/deploy/grafana"
)

func main() {
	out := flag.String("o", "", "file to write (default: standard output)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen-dashboard:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	b, err := grafana.JSON()
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
