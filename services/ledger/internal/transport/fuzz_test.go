package transport

import (
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/testenv"
)

func ledgerDecoders(t testing.TB) []testenv.Decoder {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	const js = "application/json"
	return []testenv.Decoder{
		{Name: "item action", Method: "POST", ContentType: js, Decode: decodeAction},
		{Name: "raise problem", Method: "POST", ContentType: js, Decode: decodeRaise},
		{Name: "update problem", Method: "POST", ContentType: js, Decode: decodeProblemUpdate},
		{Name: "assign officer", Method: "PUT", ContentType: js, Decode: decodeAssignOfficer},
		{Name: "task action", Method: "POST", ContentType: js, Decode: decodeTaskAction},
		{Name: "update progress", Method: "PUT", ContentType: js, Decode: decodeUpdateProgressRequest},
		{Name: "queue", Method: "GET", Decode: decodeQueue},
		{Name: "export", Method: "GET", Decode: decodeExport(o)},
		{Name: "tasks", Method: "GET", Decode: decodeTasks},
		{Name: "weekly", Method: "GET", Decode: decodeWeekly},
		{Name: "month", Method: "GET", Decode: decodeMonth},
		{Name: "code", Method: "GET", Decode: decodeCode},
	}
}

// FuzzDecoders: whatever a caller sends to any of the ledger's routes, the
// route's decoder answers a request or a business error.
func FuzzDecoders(f *testing.F) {
	decoders := ledgerDecoders(f)
	f.Add(uint8(0), "", "2026-370481-04-01-000001/lixiang", []byte(`{"action":"accept","note":"受理","actor":"王芳","version":3,"missing_materials":["图纸"],"supplement_days":5}`))
	f.Add(uint8(0), "", "x", []byte(`{"action":"approve","version":null}`))
	f.Add(uint8(1), "", "2026-370481-04-01-000001", []byte(`{"title":"用地指标","department":"zrzy","escalation":"urge","actor":"李","version":1}`))
	f.Add(uint8(2), "", "p1", []byte(`{"status":"resolved","measure":"协调","version":2}`))
	f.Add(uint8(3), "", "c", []byte(`{"officer":"wang","actor":"lead","version":0}`))
	f.Add(uint8(4), "", "t1", []byte(`{"action":"visit","satisfaction":5,"version":1}`))
	f.Add(uint8(5), "", "c", []byte(`{"stage":"审批","version":1}`))
	f.Add(uint8(6), "department=zrzy&status=assigned&limit=10&offset=5&sort=due", "", []byte{})
	f.Add(uint8(7), "department=nope&work_group=x", "", []byte{})
	f.Add(uint8(9), "week_of=2026-10-05", "", []byte{})
	f.Fuzz(func(t *testing.T, which uint8, query, pathValue string, body []byte) {
		testenv.FuzzDecoders(t, decoders, which, query, pathValue, body)
	})
}
