package transport

import (
	"testing"

	"github.com/tuijin/tuijin/pkg/testenv"
)

var decoders = []testenv.Decoder{
	{Name: "schedule", Method: "POST", ContentType: "application/json", Decode: decodeSchedule},
	{Name: "agenda", Method: "PUT", ContentType: "application/json", Decode: decodeAgenda},
	{Name: "minutes", Method: "POST", ContentType: "application/json", Decode: decodeMinutes},
	{Name: "action done", Method: "POST", ContentType: "application/json", Decode: decodeChangeActionRequest("done")},
	{Name: "list", Method: "GET", Decode: decodeList},
	{Name: "candidates", Method: "GET", Decode: decodeCandidates},
	{Name: "id", Method: "GET", Decode: decodeID},
	{Name: "move", Method: "POST", ContentType: "application/json", Decode: decodeMove},
	{Name: "cancel", Method: "POST", ContentType: "application/json", Decode: decodeCancel},
}

// FuzzDecoders: whatever a caller sends to any of the meetings' routes, the
// route's decoder answers a request or a business error.
func FuzzDecoders(f *testing.F) {
	f.Add(uint8(0), "", "", []byte(`{"kind":"dispatch","title":"调度会","starts_at":"2026-10-12T09:00:00+08:00","location":"301","work_group":"land","attendees":["dept:zrzy"]}`))
	f.Add(uint8(1), "", "m1", []byte(`{"version":2,"entries":[]}`))
	f.Add(uint8(1), "", "m1", []byte(`null`))
	f.Add(uint8(2), "", "m1", []byte(`{"summary":"议定","decisions":[null]}`))
	f.Add(uint8(3), "", "1", []byte(`{"actor":"dept:zrzy","note":"已办结"}`))
	f.Add(uint8(4), "work_group=land&limit=20", "", []byte{})
	f.Add(uint8(5), "status=open&limit=-1", "", []byte{})
	f.Add(uint8(7), "", "m1", []byte(`{"starts_at":"2026-10-13T09:00:00+08:00","reason":"领导出差","version":1}`))
	f.Add(uint8(8), "", "m1", []byte(`{"reason":"议题已解决","version":1}`))
	f.Fuzz(func(t *testing.T, which uint8, query, pathValue string, body []byte) {
		testenv.FuzzDecoders(t, decoders, which, query, pathValue, body)
	})
}
