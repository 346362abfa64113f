package transport

import (
	"testing"

	"github.com/tuijin/tuijin/pkg/testenv"
)

var decoders = []testenv.Decoder{
	{Name: "inbox", Method: "GET", Decode: decodeInboxQuery},
	{Name: "deliveries", Method: "GET", Decode: decodeDeliveryQuery},
	{Name: "unread", Method: "GET", Decode: decodeRecipientQuery},
	{Name: "preferences", Method: "GET", Decode: decodeRecipientPath},
	{Name: "id", Method: "POST", Decode: decodeID},
	{Name: "set preferences", Method: "PUT", ContentType: "application/json", Decode: decodeSetPreferences},
}

// FuzzDecoders: whatever a caller sends to any of notification's routes,
// the route's decoder answers a request or a business error.
func FuzzDecoders(f *testing.F) {
	f.Add(uint8(0), "recipient=dept:zrzy&unread=true&limit=20", "", []byte{})
	f.Add(uint8(1), "channel=sms&status=failed&limit=x", "", []byte{})
	f.Add(uint8(5), "", "dept:zrzy", []byte(`{"channels":["inbox","webhook"],"digest":true,"quiet_hours":{"start":"22:00","end":"07:00"},"webhook":"https://robot.example/hook"}`))
	f.Add(uint8(5), "", "dept:zrzy", []byte(`{"quiet_hours":null}`))
	f.Fuzz(func(t *testing.T, which uint8, query, pathValue string, body []byte) {
		testenv.FuzzDecoders(t, decoders, which, query, pathValue, body)
	})
}
