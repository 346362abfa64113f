// Package notification turns Tuijin's events into messages for people:
// notices rendered from Chinese templates, delivered once per (event,
// recipient, channel) to the in-app inbox, e-mail, chat-robot webhooks and
// SMS as each recipient prefers, with durable retries, dead letters, daily
// digests and the weekly bulletin.
package notification

import (
	"time"

	"github.com/google/uuid"
)

// ChannelInbox is the in-app inbox channel.
const ChannelInbox = "inbox"

// Entry is one message in a recipient's inbox. It stays small on purpose:
// inbox queries filter on recipient, which scans on FerretDB.
type Entry struct {
	ID           string     `json:"id"`
	Recipient    string     `json:"recipient"`
	Channel      string     `json:"channel"`
	Title        string     `json:"title"`
	Body         string     `json:"body"`
	ProjectCode  string     `json:"project_code,omitempty"`
	ItemID       string     `json:"item_id,omitempty"`
	GreenChannel bool       `json:"green_channel,omitempty"`
	EventID      string     `json:"event_id"`
	CreatedAt    time.Time  `json:"created_at"`
	Read         bool       `json:"read"`
	ReadAt       *time.Time `json:"read_at,omitempty"`
}

// entryNamespace keeps entry ids apart from any other UUIDv5 use.
var entryNamespace = uuid.MustParse("2d0f3b1c-8e7a-5f44-b1c9-6a3e9d2f7c10")

// EntryID is the id of the message an event produces for a recipient on a
// channel. Being derived rather than random, a redelivered event maps to the
// id already stored, and the insert's duplicate-key error makes it a no-op.
func EntryID(eventID, recipient, channel string) string {
	return uuid.NewSHA1(entryNamespace, []byte(eventID+"\x00"+recipient+"\x00"+channel)).String()
}
