// Package org loads the organisation: departments and work groups (专班).
// It is data, validated at load; the demo organisation is embedded.
package org

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

//go:embed demo.yaml
var demo []byte

// Department is a government department that handles approval items.
type Department struct {
	// Code is lowercase ASCII and the last token of routed subjects.
	Code string `yaml:"code"`
	Name string `yaml:"name"`
	// Leader is who is interviewed (约谈) when the department falls behind.
	Leader string `yaml:"leader"`
}

// WorkGroup is a 专班 leading some item types or project categories.
type WorkGroup struct {
	Code       string   `yaml:"code"`
	Name       string   `yaml:"name"`
	Lead       string   `yaml:"lead"`
	Members    []string `yaml:"members"`
	ItemTypes  []string `yaml:"item_types"`
	Categories []string `yaml:"categories"`
}

// Org is the whole organisation.
type Org struct {
	Departments []Department `yaml:"departments"`
	WorkGroups  []WorkGroup  `yaml:"work_groups"`
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)

// Demo returns the embedded demo organisation.
func Demo() (*Org, error) { return Parse(demo) }

// Load reads an organisation file; an empty path means the demo.
func Load(path string) (*Org, error) {
	if path == "" {
		return Demo()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("organisation: %w", err)
	}
	o, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("organisation %s: %w", path, err)
	}
	return o, nil
}

// Parse decodes and validates an organisation; unknown keys are refused.
func Parse(b []byte) (*Org, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var o Org
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &o, o.validate()
}

func (o *Org) validate() error {
	var errs []error
	if len(o.Departments) == 0 {
		errs = append(errs, errors.New("no departments"))
	}
	seen := map[string]bool{}
	for i, d := range o.Departments {
		if !codeRE.MatchString(d.Code) {
			errs = append(errs, fmt.Errorf("departments[%d]: code %q must be lowercase ASCII, 2-16 chars", i, d.Code))
		}
		if seen[d.Code] {
			errs = append(errs, fmt.Errorf("departments[%d]: duplicate code %q", i, d.Code))
		}
		seen[d.Code] = true
		if d.Name == "" {
			errs = append(errs, fmt.Errorf("departments[%d] %s: name is required", i, d.Code))
		}
	}
	groups := map[string]bool{}
	for i, g := range o.WorkGroups {
		if !codeRE.MatchString(g.Code) || groups[g.Code] {
			errs = append(errs, fmt.Errorf("work_groups[%d]: code %q missing, malformed or duplicate", i, g.Code))
		}
		groups[g.Code] = true
		for _, m := range g.Members {
			if !seen[m] {
				errs = append(errs, fmt.Errorf("work_groups[%d] %s: unknown member department %q", i, g.Code, m))
			}
		}
	}
	return errors.Join(errs...)
}

// Department returns the department with code.
func (o *Org) Department(code string) (Department, bool) {
	for _, d := range o.Departments {
		if d.Code == code {
			return d, true
		}
	}
	return Department{}, false
}
