// Package open311 is intake's Open311 GeoReport v2 face: the service
// catalog (request kinds as service codes), the api_key owners, and the
// public view of a request. It submits through intake's own use case, so a
// request posted here is the same request as one posted on /v1/requests.
package open311

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// Group is the one group every service belongs to.
const Group = "重点项目服务"

// ServiceType is one service type of the catalog: a request kind under its
// service code.
type ServiceType struct {
	Code        string `yaml:"code"`
	Kind        string `yaml:"kind"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Keywords    string `yaml:"keywords"`
}

// Catalog is the services offered, in their file's order.
type Catalog struct{ services []ServiceType }

//go:embed services.yaml
var defaultServices []byte

// LoadCatalog reads the catalog from path, or the embedded default when path
// is empty.
func LoadCatalog(path string) (*Catalog, error) {
	b := defaultServices
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("open311 services: %w", err)
		}
	}
	return ParseCatalog(b)
}

// ParseCatalog reads a catalog file: every service a code of its own and a
// known request kind, each kind under one code at most.
func ParseCatalog(b []byte) (*Catalog, error) {
	var f struct {
		Services []ServiceType `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("open311 services: %w", err)
	}
	if len(f.Services) == 0 {
		return nil, fmt.Errorf("open311 services: none listed")
	}
	codes, kinds := map[string]bool{}, map[string]bool{}
	for i, s := range f.Services {
		switch {
		case strings.TrimSpace(s.Code) == "" || strings.ContainsAny(s.Code, "./,? "):
			return nil, fmt.Errorf("open311 services: service %d: code %q must be non-empty, without . / , ? or spaces", i+1, s.Code)
		case codes[s.Code]:
			return nil, fmt.Errorf("open311 services: code %s listed twice", s.Code)
		case !slices.Contains(intake.RequestKinds, s.Kind):
			return nil, fmt.Errorf("open311 services: code %s: kind %q is none of %s", s.Code, s.Kind, strings.Join(intake.RequestKinds, ", "))
		case kinds[s.Kind]:
			return nil, fmt.Errorf("open311 services: kind %s has two codes", s.Kind)
		case strings.TrimSpace(s.Name) == "":
			return nil, fmt.Errorf("open311 services: code %s has no name", s.Code)
		}
		codes[s.Code], kinds[s.Kind] = true, true
	}
	return &Catalog{services: f.Services}, nil
}

// Services lists the catalog.
func (c *Catalog) Services() []ServiceType { return slices.Clone(c.services) }

// ByCode returns the service of code.
func (c *Catalog) ByCode(code string) (ServiceType, bool) {
	i := slices.IndexFunc(c.services, func(s ServiceType) bool { return s.Code == code })
	if i < 0 {
		return ServiceType{}, false
	}
	return c.services[i], true
}

// ByKind returns the service a request kind is offered under; a kind the
// catalog leaves out has none (its requests are still listed, under the
// kind itself).
func (c *Catalog) ByKind(kind string) (ServiceType, bool) {
	i := slices.IndexFunc(c.services, func(s ServiceType) bool { return s.Kind == kind })
	if i < 0 {
		return ServiceType{Code: kind, Kind: kind, Name: kind}, false
	}
	return c.services[i], true
}

// Attribute is a field a request of every service carries beyond the
// spec's own (GET services/{code}).
type Attribute struct {
	Code        string
	Datatype    string
	Required    bool
	Order       int
	Description string
}

// Attributes of every service: which project the request is about, and its
// subject line.
var Attributes = []Attribute{
	{Code: "project_code", Datatype: "string", Required: true, Order: 1,
		Description: "项目代码 of the key project the request is about, e.g. 2026-370481-04-01-123456"},
	{Code: "title", Datatype: "string", Required: false, Order: 2,
		Description: "标题, at most 100 characters; without it the first line of description"},
}
