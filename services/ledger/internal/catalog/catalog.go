// Package catalog is the item catalog (事项目录): which approval items a key
// project needs, who handles each, after which prerequisites, within how
// many working days. It is data, validated when loaded.
package catalog

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tuijin/tuijin/pkg/domain/org"
)

//go:embed demo.yaml
var demo []byte

// Modes an item may allow.
const (
	ModeGreenChannel = "green_channel" // 绿色通道
	ModeRongque      = "rongque"       // 容缺受理
	ModeGaozhi       = "gaozhi"        // 告知承诺
)

// DefaultAcceptDays is the statutory acceptance window (行政许可法 §32).
const DefaultAcceptDays = 5

// Item is one approval item type.
type Item struct {
	Key           string   `yaml:"key" json:"key"`
	Name          string   `yaml:"name" json:"name"`
	Department    string   `yaml:"department" json:"department"`
	Stage         int      `yaml:"stage" json:"stage"`
	StageName     string   `yaml:"stage_name" json:"stage_name,omitempty"`
	Prerequisites []string `yaml:"prerequisites" json:"prerequisites,omitempty"`
	// PromisedDays is the limit in working days of a 承诺件.
	PromisedDays int `yaml:"promised_days" json:"promised_days"`
	// GreenDays is the limit on the green channel (绿色通道), for items that
	// allow it (0: half the promised days, rounded up).
	GreenDays int `yaml:"green_days" json:"green_days,omitempty"`
	// AcceptDays is the window, in working days from receipt, the department
	// has to decide on acceptance (行政许可法 §32: 5 days; 0 means that); an
	// acceptance after it counts as acceptance on receipt.
	AcceptDays int `yaml:"accept_days" json:"accept_days,omitempty"`
	// Immediate marks a 即办件, due the same working day.
	Immediate bool     `yaml:"immediate" json:"immediate,omitempty"`
	Modes     []string `yaml:"modes" json:"modes,omitempty"`
	// Materials the owner must submit (申报材料), for the one-time notice.
	Materials []string `yaml:"materials" json:"materials,omitempty"`
	// ConstructionPermit marks the construction permit (施工许可): a
	// project starts (开工) only once it is approved, or on an override.
	ConstructionPermit bool `yaml:"construction_permit" json:"construction_permit,omitempty"`
}

// GreenChannelDays is the limit of it on the green channel: GreenDays, or
// half the promised days rounded up; 0 for an item the green channel does
// not shorten (a 即办件, or one that does not allow it).
func (it Item) GreenChannelDays() int {
	switch {
	case it.Immediate || !slices.Contains(it.Modes, ModeGreenChannel):
		return 0
	case it.GreenDays > 0:
		return it.GreenDays
	}
	return (it.PromisedDays + 1) / 2
}

// Catalog is the ordered list of item types.
type Catalog struct {
	Items []Item `yaml:"items" json:"items"`
	byKey map[string]int
}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// Demo returns the embedded demo catalog, checked against departments.
func Demo(departments func(string) bool) (*Catalog, error) { return Parse(demo, departments) }

// Load reads a catalog file; an empty path means the demo.
func Load(path string, departments func(string) bool) (*Catalog, error) {
	if path == "" {
		return Demo(departments)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c, err := Parse(b, departments)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates a catalog. departments reports whether a
// department code exists.
func Parse(b []byte, departments func(string) bool) (*Catalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := c.validate(departments); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Catalog) validate(departments func(string) bool) error {
	var errs []error
	if len(c.Items) == 0 {
		errs = append(errs, errors.New("no items"))
	}
	c.byKey = map[string]int{}
	for i, it := range c.Items {
		at := fmt.Sprintf("items[%d] %s", i, it.Key)
		if !keyRE.MatchString(it.Key) {
			errs = append(errs, fmt.Errorf("%s: key must be lowercase ASCII with dashes", at))
		}
		if _, dup := c.byKey[it.Key]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate key", at))
		}
		c.byKey[it.Key] = i
		if it.Name == "" {
			errs = append(errs, fmt.Errorf("%s: name is required", at))
		}
		if it.Stage < 0 || it.Stage > 9 || (it.Stage > 0 && it.StageName == "") {
			errs = append(errs, fmt.Errorf("%s: stage must be 1-9 with a stage_name (or left out)", at))
		}
		if !departments(it.Department) {
			errs = append(errs, fmt.Errorf("%s: unknown department %q", at, it.Department))
		}
		if it.Immediate && it.PromisedDays != 0 {
			errs = append(errs, fmt.Errorf("%s: an immediate item (即办件) has no promised days", at))
		}
		if !it.Immediate && (it.PromisedDays < 1 || it.PromisedDays > 365) {
			errs = append(errs, fmt.Errorf("%s: promised_days must be 1-365", at))
		}
		if it.GreenDays != 0 && (it.Immediate || !slices.Contains(it.Modes, ModeGreenChannel) || it.GreenDays < 1 || it.GreenDays > it.PromisedDays) {
			errs = append(errs, fmt.Errorf("%s: green_days must be 1-promised_days, on an item that allows %s", at, ModeGreenChannel))
		}
		if it.AcceptDays < 0 || it.AcceptDays > 20 {
			errs = append(errs, fmt.Errorf("%s: accept_days must be 0-20 (0: the statutory %d)", at, DefaultAcceptDays))
		}
		for _, m := range it.Modes {
			if m != ModeGreenChannel && m != ModeRongque && m != ModeGaozhi {
				errs = append(errs, fmt.Errorf("%s: unknown mode %q", at, m))
			}
		}
	}
	if permits := slices.DeleteFunc(slices.Clone(c.Items), func(it Item) bool { return !it.ConstructionPermit }); len(permits) > 1 {
		errs = append(errs, fmt.Errorf("items %s and %s: only one item is the construction_permit", permits[0].Key, permits[1].Key))
	}
	for _, it := range c.Items {
		for _, p := range it.Prerequisites {
			if _, ok := c.byKey[p]; !ok {
				errs = append(errs, fmt.Errorf("item %s: unknown prerequisite %q", it.Key, p))
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if cycle := c.findCycle(); cycle != nil {
		return fmt.Errorf("prerequisites form a cycle: %s", strings.Join(cycle, " → "))
	}
	return nil
}

// findCycle returns one prerequisite cycle, or nil.
func (c *Catalog) findCycle() []string {
	const (
		unseen = iota
		onPath
		done
	)
	state := make(map[string]int, len(c.Items))
	var path []string
	var visit func(key string) []string
	visit = func(key string) []string {
		switch state[key] {
		case onPath:
			for i, k := range path {
				if k == key {
					return append(append([]string{}, path[i:]...), key)
				}
			}
		case done:
			return nil
		}
		state[key] = onPath
		path = append(path, key)
		for _, p := range c.Items[c.byKey[key]].Prerequisites {
			if cyc := visit(p); cyc != nil {
				return cyc
			}
		}
		path = path[:len(path)-1]
		state[key] = done
		return nil
	}
	for _, it := range c.Items {
		if cyc := visit(it.Key); cyc != nil {
			return cyc
		}
	}
	return nil
}

// Item returns the item type with key.
func (c *Catalog) Item(key string) (Item, bool) {
	i, ok := c.byKey[key]
	if !ok {
		return Item{}, false
	}
	return c.Items[i], true
}

// Permit is the key of the construction permit (施工许可), or "" when the
// catalog marks none.
func (c *Catalog) Permit() string {
	for _, it := range c.Items {
		if it.ConstructionPermit {
			return it.Key
		}
	}
	return ""
}

// CheckWorkGroups reports every item type a work group (专班) of o claims
// to lead that the catalog does not have.
func (c *Catalog) CheckWorkGroups(o *org.Org) error {
	var errs []error
	for _, g := range o.WorkGroups {
		for _, k := range g.ItemTypes {
			if _, ok := c.byKey[k]; !ok {
				errs = append(errs, fmt.Errorf("work group %s leads item type %q, which the catalog does not have", g.Code, k))
			}
		}
	}
	return errors.Join(errs...)
}
