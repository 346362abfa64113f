// Package org loads the organisation: departments, work groups (专班) and
// the officers (推进专员) who follow projects. It is data, validated at
// load with every problem listed; the demo organisation is embedded.
package org

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/mail"
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
	// Mail is the department's mail address (bare, e.g. zrzy@county.gov.cn),
	// where meeting invitations reach it; optional.
	Mail string `yaml:"mail"`
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

// Officer is a dedicated officer (推进专员 / 帮办代办员) who follows key
// projects and takes on the owners' service requests.
type Officer struct {
	// Code is lowercase ASCII, e.g. "wangfang".
	Code string `yaml:"code"`
	Name string `yaml:"name"`
	// WorkGroups the officer serves in.
	WorkGroups []string `yaml:"work_groups"`
}

// Org is the whole organisation.
type Org struct {
	Departments []Department `yaml:"departments"`
	WorkGroups  []WorkGroup  `yaml:"work_groups"`
	Officers    []Officer    `yaml:"officers"`
}

var (
	codeRE    = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)
	officerRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,31}$`)
)

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
		if d.Mail != "" {
			if a, err := mail.ParseAddress(d.Mail); err != nil || a.Address != d.Mail {
				errs = append(errs, fmt.Errorf("departments[%d] %s: mail %q must be a bare address like office@county.gov.cn", i, d.Code, d.Mail))
			}
		}
	}
	groups := map[string]bool{}
	for i, g := range o.WorkGroups {
		if !codeRE.MatchString(g.Code) || groups[g.Code] {
			errs = append(errs, fmt.Errorf("work_groups[%d]: code %q missing, malformed or duplicate", i, g.Code))
		}
		groups[g.Code] = true
		if g.Name == "" {
			errs = append(errs, fmt.Errorf("work_groups[%d] %s: name is required", i, g.Code))
		}
		if g.Lead != "" && !seen[g.Lead] {
			errs = append(errs, fmt.Errorf("work_groups[%d] %s: unknown lead department %q", i, g.Code, g.Lead))
		}
		for _, m := range g.Members {
			if !seen[m] {
				errs = append(errs, fmt.Errorf("work_groups[%d] %s: unknown member department %q", i, g.Code, m))
			}
		}
	}
	officers := map[string]bool{}
	for i, of := range o.Officers {
		if !officerRE.MatchString(of.Code) {
			errs = append(errs, fmt.Errorf("officers[%d]: code %q must be lowercase ASCII, 2-32 chars", i, of.Code))
		}
		if officers[of.Code] {
			errs = append(errs, fmt.Errorf("officers[%d]: duplicate code %q", i, of.Code))
		}
		officers[of.Code] = true
		if of.Name == "" {
			errs = append(errs, fmt.Errorf("officers[%d] %s: name is required", i, of.Code))
		}
		for _, g := range of.WorkGroups {
			if !groups[g] {
				errs = append(errs, fmt.Errorf("officers[%d] %s: unknown work group %q", i, of.Code, g))
			}
		}
	}
	return errors.Join(errs...)
}

// WorkGroup returns the work group with code.
func (o *Org) WorkGroup(code string) (WorkGroup, bool) {
	for _, g := range o.WorkGroups {
		if g.Code == code {
			return g, true
		}
	}
	return WorkGroup{}, false
}

// Officer returns the officer with code.
func (o *Org) Officer(code string) (Officer, bool) {
	for _, of := range o.Officers {
		if of.Code == code {
			return of, true
		}
	}
	return Officer{}, false
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

// DepartmentCodes are the codes of every department, in file order.
func (o *Org) DepartmentCodes() []string {
	codes := make([]string, len(o.Departments))
	for i, d := range o.Departments {
		codes[i] = d.Code
	}
	return codes
}
