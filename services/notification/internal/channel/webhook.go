package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Webhook posts messages to chat-robot webhooks in the markdown message
// format WeCom and DingTalk robots share.
type Webhook struct {
	client *http.Client
}

// NewWebhook returns a webhook sender over client.
func NewWebhook(client *http.Client) *Webhook { return &Webhook{client: client} }

// RobotMessage is the JSON a robot webhook accepts.
type RobotMessage struct {
	MsgType  string        `json:"msgtype"`
	Markdown RobotMarkdown `json:"markdown"`
}

// RobotMarkdown is the markdown part of a RobotMessage. DingTalk reads the
// title; WeCom ignores it.
type RobotMarkdown struct {
	Title   string `json:"title,omitempty"`
	Content string `json:"content"`
}

// HeaderDeliveryID carries the delivery id on every webhook call.
const HeaderDeliveryID = "X-Tuijin-Delivery-Id"

// Send posts m to the robot at m.Address. A 4xx answer other than 408 and
// 429 is permanent; robots answer 200 with errcode != 0 for refusals such
// as rate limits, which are retried.
func (w *Webhook) Send(ctx context.Context, m notification.Message) error {
	body, err := json.Marshal(RobotMessage{MsgType: "markdown",
		Markdown: RobotMarkdown{Title: m.Title, Content: "### " + m.Title + "\n" + m.Body}})
	if err != nil {
		return notification.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Address, bytes.NewReader(body))
	if err != nil {
		return notification.Permanent(fmt.Errorf("webhook request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(HeaderDeliveryID, m.DeliveryID)
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook post: %w", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("webhook answered %s", resp.Status)
	case resp.StatusCode >= 300:
		return notification.Permanent(fmt.Errorf("webhook answered %s", resp.Status))
	}
	var r struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if json.Unmarshal(reply, &r) == nil && r.ErrCode != nil && *r.ErrCode != 0 {
		return fmt.Errorf("webhook refused: errcode %d %s", *r.ErrCode, r.ErrMsg)
	}
	return nil
}
