package auth

// Claims is the payload of a Tuijin token beyond the registered claims:
// what Principal is made of. A provider maps its users onto these names.
type Claims struct {
	Subject    string   `json:"sub"`
	Name       string   `json:"name,omitempty"`
	Roles      []string `json:"roles"`
	Department string   `json:"department,omitempty"`
	Owner      string   `json:"owner,omitempty"`
}

// Principal returns the principal c names; roles outside Roles are dropped.
func (c Claims) Principal() Principal {
	p := Principal{Subject: c.Subject, Name: c.Name, Department: c.Department, Owner: c.Owner}
	for _, r := range c.Roles {
		if Role(r).Valid() {
			p.Roles = append(p.Roles, Role(r))
		}
	}
	return p
}

// ClaimsOf is the inverse of Claims.Principal: the claims a token for p
// carries.
func ClaimsOf(p Principal) Claims {
	c := Claims{Subject: p.Subject, Name: p.Name, Department: p.Department, Owner: p.Owner}
	for _, r := range p.Roles {
		c.Roles = append(c.Roles, string(r))
	}
	return c
}
