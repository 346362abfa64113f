package transport

import (
	"testing"

	"github.com/tuijin/tuijin/pkg/testenv"
)

var decoders = []testenv.Decoder{
	{Name: "list", Method: "GET", Decode: decodeList},
	{Name: "get", Method: "GET", Decode: decodeGet},
	{Name: "workdays", Method: "GET", Decode: decodeWorkdays},
	{Name: "add", Method: "GET", Decode: decodeAdd},
	{Name: "calendar year", Method: "GET", Decode: decodeCalendarYearRequest},
}

// FuzzDecoders: whatever a caller sends to any of the clock's routes, the
// route's decoder answers a request or a business error.
func FuzzDecoders(f *testing.F) {
	f.Add(uint8(0), "department=zrzy&level=red", "", []byte{})
	f.Add(uint8(2), "from=2026-09-24&to=2026-10-09", "", []byte{})
	f.Add(uint8(3), "date=2026-09-24&days=5", "", []byte{})
	f.Add(uint8(3), "date=2026-09-24&days=2147483647", "", []byte{})
	f.Add(uint8(4), "", "2026", []byte{})
	f.Add(uint8(4), "", "-0", []byte{})
	f.Fuzz(func(t *testing.T, which uint8, query, pathValue string, body []byte) {
		testenv.FuzzDecoders(t, decoders, which, query, pathValue, body)
	})
}
