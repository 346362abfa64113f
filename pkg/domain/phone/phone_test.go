package phone

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in       string
		e164     string
		national string
		kind     Kind
	}{
		{"13800138000", "+8613800138000", "13800138000", Mobile},
		{"138 0013 8000", "+8613800138000", "13800138000", Mobile},
		{"+86 138-0013-8000", "+8613800138000", "13800138000", Mobile},
		{"0535-7654321", "+865357654321", "0535-7654321", Landline},
		{"(0535)7654321", "+865357654321", "0535-7654321", Landline},
		{"（0535）7654321", "+865357654321", "0535-7654321", Landline},
		{"010-12345678", "+861012345678", "010-12345678", Landline},
		{"0535-7654321转8001", "+865357654321", "0535-7654321转8001", Landline},
	} {
		n, err := Parse(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if n.E164 != tt.e164 || n.National != tt.national || n.Kind != tt.kind {
			t.Errorf("%q: got %+v, want %s %s %s", tt.in, n, tt.e164, tt.national, tt.kind)
		}
		if n.CanSMS() != (tt.kind == Mobile) {
			t.Errorf("%q: CanSMS %v for a %s", tt.in, n.CanSMS(), n.Kind)
		}
	}
	for _, bad := range []string{"", "   ", "12345", "1380013800", "138001380001", "abc", "0535-12", "99999999999"} {
		if n, err := Parse(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: got %+v, %v, want ErrInvalid", bad, n, err)
		}
	}
}

// FuzzParse: any text is refused or read to a number whose written form
// reads back to the same number.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"13800138000", "0535-7654321转8001", "+1 650 253 0000", "（010）1234５678", "转", "+86"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(n.National)
		if err != nil || again.E164 != n.E164 || again.Kind != n.Kind {
			t.Fatalf("%q read as %+v; its written form %q reads as %+v, %v", s, n, n.National, again, err)
		}
	})
}
