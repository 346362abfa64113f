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
	if of, ok := o.Officer("wangfang"); !ok || of.Name != "王芳" {
		t.Fatalf("demo officer wangfang = %+v", of)
	}
	if g, ok := o.WorkGroup("duban"); !ok || len(g.Categories) != 3 {
		t.Fatalf("demo work group duban = %+v", g)
	}
}

func TestParseRefusesBadData(t *testing.T) {
	tests := map[string]struct{ yaml, want string }{
		"unknown key":              {"departments: [{code: a1, name: x, colour: red}]", "colour"},
		"bad code":                 {"departments: [{code: ZRZY, name: x}]", "lowercase"},
		"duplicate":                {"departments: [{code: ab, name: x}, {code: ab, name: y}]", "duplicate"},
		"unknown member":           {"departments: [{code: ab, name: x}]\nwork_groups: [{code: gg, name: g, members: [cd]}]", "unknown member"},
		"no departments":           {"departments: []", "no departments"},
		"missing dept name":        {"departments: [{code: ab}]", "name is required"},
		"unknown lead":             {"departments: [{code: ab, name: x}]\nwork_groups: [{code: gg, name: g, lead: zz}]", `unknown lead department "zz"`},
		"group without name":       {"departments: [{code: ab, name: x}]\nwork_groups: [{code: gg}]", "work_groups[0] gg: name is required"},
		"bad officer code":         {"departments: [{code: ab, name: x}]\nofficers: [{code: 王芳, name: 王芳}]", "officers[0]: code"},
		"duplicate officer":        {"departments: [{code: ab, name: x}]\nofficers: [{code: wf, name: a}, {code: wf, name: b}]", `duplicate code "wf"`},
		"officer without name":     {"departments: [{code: ab, name: x}]\nofficers: [{code: wf}]", "officers[0] wf: name is required"},
		"officer in unknown group": {"departments: [{code: ab, name: x}]\nofficers: [{code: wf, name: a, work_groups: [gg]}]", `unknown work group "gg"`},
		"mail with a name":         {"departments: [{code: ab, name: x, mail: '局办 <ab@x.example>'}]", `mail "局办 <ab@x.example>" must be a bare address`},
		"mail not an address":      {"departments: [{code: ab, name: x, mail: ab}]", `mail "ab"`},
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

func TestParseListsEveryProblem(t *testing.T) {
	_, err := Parse([]byte("departments: [{code: AB, name: x}, {code: cd}]\nofficers: [{code: wf}]"))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"departments[0]", "departments[1] cd: name is required", "officers[0] wf: name is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
