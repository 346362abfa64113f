package bus

import (
	"fmt"
	"strings"
)

// PasswordVar is the environment variable of the NATS servers that holds
// user's password in AuthorizationConf, e.g. TUIJIN_NATS_PASSWORD_DEPT_ZRZY.
// Kubernetes fills it from a Secret; the config file holds no secret.
func PasswordVar(user string) string {
	return "TUIJIN_NATS_PASSWORD_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(user))
}

// AuthorizationConf renders the permission table as the authorization
// block of a nats-server config file: operations, the five services and a
// user per department of depts, each password a variable (PasswordVar).
// It is how production's NATS cluster gets the same users as the embedded
// server (tools/cmd/nats-authz prints it).
func AuthorizationConf(depts []string) string {
	var b strings.Builder
	b.WriteString("# Generated from pkg/bus's permission table (go run ./tools/cmd/nats-authz, or go test ./tools/cmd/nats-authz -update); do not edit.\n")
	b.WriteString("authorization {\n  users = [\n")
	user := func(name string, p *Permissions) {
		fmt.Fprintf(&b, "    {\n      user: %q\n      password: $%s\n", name, PasswordVar(name))
		if p != nil {
			fmt.Fprintf(&b, "      permissions: {\n        publish: { allow: %s }\n        subscribe: { allow: %s }\n      }\n",
				confList(p.Publish), confList(p.Subscribe))
		}
		b.WriteString("    }\n")
	}
	user(OperationsUser, nil)
	for _, g := range Grants() {
		p := g.permissions()
		user(g.User, &p)
	}
	for _, d := range depts {
		p := DepartmentPermissions(d)
		user(DepartmentUser(d), &p)
	}
	b.WriteString("  ]\n}\n")
	return b.String()
}

func confList(subjects []string) string {
	if len(subjects) == 0 {
		return "[]"
	}
	var b strings.Builder
	b.WriteString("[\n")
	for _, s := range subjects {
		fmt.Fprintf(&b, "          %q\n", s)
	}
	b.WriteString("        ]")
	return b.String()
}
