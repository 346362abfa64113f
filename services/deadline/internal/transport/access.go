package transport

import (
	"github.com/tuijin/tuijin/pkg/auth"
)

// signedIn is auth.Allow of any role: the calendar is everyone's.
var signedIn = auth.Allow(auth.Roles...)
