package org

import (
	"strings"
	"testing"
)

func TestDemoLoads(t *testing.T) {
	o, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.Department("zrzy"); !ok {
		t.Fatal("demo has no zrzy")
	}
	if len(o.Departments) != 9 {
		t.Fatalf("demo has %d departments, want 9", len(o.Departments))
	}
}

func TestParseRefusesBadData(t *testing.T) {
	tests := map[string]struct{ yaml, want string }{
		"unknown key":       {"departments: [{code: a1, name: x, colour: red}]", "colour"},
		"bad code":          {"departments: [{code: ZRZY, name: x}]", "lowercase"},
		"duplicate":         {"departments: [{code: ab, name: x}, {code: ab, name: y}]", "duplicate"},
		"unknown member":    {"departments: [{code: ab, name: x}]\nwork_groups: [{code: gg, name: g, members: [cd]}]", "unknown member"},
		"no departments":    {"departments: []", "no departments"},
		"missing dept name": {"departments: [{code: ab}]", "name is required"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
