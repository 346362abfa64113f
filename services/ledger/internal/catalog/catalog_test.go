package catalog

import (
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/org"
)

func anyDept(string) bool { return true }

func TestDemoCatalog(t *testing.T) {
	c, err := Demo(anyDept)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 11 {
		t.Fatalf("demo has %d items, want 11", len(c.Items))
	}
	it, ok := c.Item("shigong-xuke")
	if !ok || len(it.Prerequisites) != 2 || !it.ConstructionPermit || c.Permit() != "shigong-xuke" {
		t.Fatalf("施工许可 = %+v (permit %q), want two prerequisites and the construction permit", it, c.Permit())
	}
}

func TestParseRefusesBadCatalogs(t *testing.T) {
	item := func(key, extra string) string {
		return "  - {key: " + key + ", name: n, department: d, promised_days: 5" + extra + "}\n"
	}
	tests := map[string]struct {
		yaml, want string
		depts      func(string) bool
	}{
		"cycle": {"items:\n" + item("aa", ", prerequisites: [bb]") + item("bb", ", prerequisites: [cc]") + item("cc", ", prerequisites: [aa]"),
			"cycle: aa → bb → cc → aa", anyDept},
		"self cycle":           {"items:\n" + item("aa", ", prerequisites: [aa]"), "cycle", anyDept},
		"unknown prerequisite": {"items:\n" + item("aa", ", prerequisites: [zz]"), `unknown prerequisite "zz"`, anyDept},
		"unknown department":   {"items:\n" + item("aa", ""), `unknown department "d"`, func(string) bool { return false }},
		"duplicate key":        {"items:\n" + item("aa", "") + item("aa", ""), "duplicate key", anyDept},
		"two permits": {"items:\n" + item("aa", ", construction_permit: true") + item("bb", ", construction_permit: true"),
			"only one item is the construction_permit", anyDept},
		"unknown field":        {"items:\n" + item("aa", ", colour: red"), "colour", anyDept},
		"unknown mode":         {"items:\n" + item("aa", ", modes: [fast]"), `unknown mode "fast"`, anyDept},
		"no days":              {"items:\n  - {key: aa, name: n, department: d}\n", "promised_days", anyDept},
		"immediate with days":  {"items:\n" + item("aa", ", immediate: true"), "immediate", anyDept},
		"empty":                {"items: []", "no items", anyDept},
		"bad accept days":      {"items:\n" + item("aa", ", accept_days: -1"), "accept_days must be 0-20", anyDept},
		"green days, no mode":  {"items:\n" + item("aa", ", green_days: 1"), "green_days must be", anyDept},
		"green days too long":  {"items:\n" + item("aa", ", modes: [green_channel], green_days: 99"), "green_days must be", anyDept},
		"stage without name":   {"items:\n" + item("aa", ", stage: 2"), "stage must be 1-9 with a stage_name", anyDept},
		"every problem listed": {"items:\n  - {key: A, department: d, promised_days: 0}\n", "key must be lowercase", anyDept},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), tt.depts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCheckWorkGroups(t *testing.T) {
	c, err := Demo(anyDept)
	if err != nil {
		t.Fatal(err)
	}
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckWorkGroups(o); err != nil {
		t.Fatalf("demo organisation against the demo catalog: %v", err)
	}
	o.WorkGroups = append(o.WorkGroups, org.WorkGroup{Code: "test", Name: "t", ItemTypes: []string{"huanping", "teleport"}})
	if err := c.CheckWorkGroups(o); err == nil || !strings.Contains(err.Error(), `work group test leads item type "teleport"`) {
		t.Fatalf("CheckWorkGroups = %v", err)
	}
}

func TestParseListsEveryProblem(t *testing.T) {
	_, err := Parse([]byte("items:\n  - {key: A, department: d, promised_days: 0}\n  - {key: bb, name: n, department: x, promised_days: 3, modes: [fast]}\n"),
		func(c string) bool { return c == "d" })
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"items[0] A: key must be lowercase", "items[0] A: name is required",
		"items[0] A: promised_days must be 1-365", `items[1] bb: unknown department "x"`, `items[1] bb: unknown mode "fast"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestGreenChannelDays(t *testing.T) {
	green := []string{ModeGreenChannel}
	for _, tt := range []struct {
		name string
		it   Item
		want int
	}{
		{"half, rounded up", Item{PromisedDays: 15, Modes: green}, 8},
		{"half of an even limit", Item{PromisedDays: 10, Modes: green}, 5},
		{"one day stays one", Item{PromisedDays: 1, Modes: green}, 1},
		{"the catalog's own", Item{PromisedDays: 15, GreenDays: 5, Modes: green}, 5},
		{"not allowed", Item{PromisedDays: 15, Modes: []string{ModeRongque}}, 0},
		{"即办件", Item{Immediate: true, Modes: green}, 0},
	} {
		if got := tt.it.GreenChannelDays(); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
