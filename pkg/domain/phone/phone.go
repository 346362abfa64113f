// Package phone reads the telephone numbers people write on forms in China
// (138 0013 8000, +86 138-0013-8000, 0535-7654321, (0535)7654321 转 8001)
// with libphonenumber's rules, and tells a mobile, which can take an SMS,
// from a landline, which cannot.
package phone

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Kind is what sort of line a number is.
type Kind string

// Kinds of numbers.
const (
	Mobile   Kind = "mobile"
	Landline Kind = "landline"
)

// ErrInvalid: the text is not a valid Chinese (or international) number.
var ErrInvalid = errors.New("not a valid phone number")

// Number is a parsed number.
type Number struct {
	// E164 is the canonical form, +8613800138000.
	E164 string
	// National is the form written on Chinese documents: 13800138000 for a
	// mobile, 0535-7654321 for a landline (with 转 and the extension).
	National string
	Kind     Kind
}

// CanSMS reports whether the number takes text messages.
func (n Number) CanSMS() bool { return n.Kind == Mobile }

// Parse reads s, a number as written, taking numbers without a country
// code as Chinese.
func Parse(s string) (Number, error) {
	s = strings.TrimSpace(s)
	// 转 (transfer) introduces an extension on Chinese forms.
	s = strings.NewReplacer("转", " ext. ", "（", "(", "）", ")").Replace(s)
	if s == "" {
		return Number{}, ErrInvalid
	}
	n, err := phonenumbers.Parse(s, "CN")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return Number{}, ErrInvalid
	}
	out := Number{E164: phonenumbers.Format(n, phonenumbers.E164), Kind: Landline}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE:
		out.Kind = Mobile
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE, phonenumbers.VOIP, phonenumbers.TOLL_FREE:
	default:
		if n.GetCountryCode() == 86 {
			return Number{}, ErrInvalid
		}
	}
	out.National = national(n, out.Kind)
	return out, nil
}

// national writes n as Chinese documents do: a mobile as its 11 digits, a
// landline as area code, hyphen, local number; other countries in the
// international form.
func national(n *phonenumbers.PhoneNumber, k Kind) string {
	if n.GetCountryCode() != 86 {
		return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
	}
	digits := phonenumbers.GetNationalSignificantNumber(n)
	if k == Mobile {
		return digits
	}
	area := phonenumbers.GetLengthOfGeographicalAreaCode(n)
	s := "0" + digits
	if area > 0 && area < len(digits) {
		s = "0" + digits[:area] + "-" + digits[area:]
	}
	if ext := n.GetExtension(); ext != "" {
		s += "转" + ext
	}
	return s
}
