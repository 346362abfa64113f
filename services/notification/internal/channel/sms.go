package channel

import (
	"context"
	"log/slog"

	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Gateway is an SMS provider. A real one (a carrier's or a cloud SMS API)
// implements it; the id lets the provider drop a resend.
type Gateway interface {
	SendSMS(ctx context.Context, phone, text, id string) error
}

// LogGateway writes each SMS to the log instead of sending it: the local
// run's driver.
type LogGateway struct{ Log *slog.Logger }

// SendSMS logs the message.
func (g LogGateway) SendSMS(ctx context.Context, phone, text, id string) error {
	g.Log.InfoContext(ctx, "sms (logging driver)", "to", phone, "id", id, "text", text)
	return nil
}

// maxSMSRunes keeps a message within a few concatenated SMS segments.
const maxSMSRunes = 280

// SMS sends messages through a gateway, signed and shortened.
type SMS struct {
	Gateway   Gateway
	Signature string // e.g. 【重点项目推进】
}

// Send sends m as one text.
func (s SMS) Send(ctx context.Context, m notification.Message) error {
	text := []rune(s.Signature + m.Title + "。" + m.Body)
	if len(text) > maxSMSRunes {
		text = append(text[:maxSMSRunes-1], '…')
	}
	return s.Gateway.SendSMS(ctx, m.Address, string(text), m.DeliveryID)
}
