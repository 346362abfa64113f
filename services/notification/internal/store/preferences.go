package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

type quietDoc struct {
	Start string `bson:"start"`
	End   string `bson:"end"`
}

type preferencesDoc struct {
	ID         string    `bson:"_id"`
	Email      string    `bson:"email,omitempty"`
	Webhook    string    `bson:"webhook,omitempty"`
	Phone      string    `bson:"phone,omitempty"`
	Channels   []string  `bson:"channels"`
	Digest     bool      `bson:"digest"`
	QuietHours *quietDoc `bson:"quiet_hours,omitempty"`
}

// Preferences reads what was stored for recipient.
func (s *Store) Preferences(ctx context.Context, recipient string) (notification.Preferences, error) {
	var d preferencesDoc
	err := s.preferences.FindOne(ctx, bson.D{{Key: "_id", Value: recipient}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return notification.Preferences{}, fmt.Errorf("preferences of %s: %w", recipient, notification.ErrNotFound)
	}
	if err != nil {
		return notification.Preferences{}, fmt.Errorf("find preferences of %s: %w", recipient, err)
	}
	p := notification.Preferences{Recipient: d.ID, Email: d.Email, Webhook: d.Webhook, Phone: d.Phone,
		Channels: d.Channels, Digest: d.Digest}
	if d.QuietHours != nil {
		p.QuietHours = &notification.QuietHours{Start: d.QuietHours.Start, End: d.QuietHours.End}
	}
	return p, nil
}

// PutPreferences replaces the recipient's stored preferences.
func (s *Store) PutPreferences(ctx context.Context, p notification.Preferences) error {
	d := preferencesDoc{ID: p.Recipient, Email: p.Email, Webhook: p.Webhook, Phone: p.Phone, Channels: p.Channels, Digest: p.Digest}
	if p.QuietHours != nil {
		d.QuietHours = &quietDoc{Start: p.QuietHours.Start, End: p.QuietHours.End}
	}
	_, err := s.preferences.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.Recipient}}, d, options.Replace().SetUpsert(true))
	if mongox.IsDuplicateKey(err) { // a concurrent first PUT inserted it: replace that
		_, err = s.preferences.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.Recipient}}, d, options.Replace().SetUpsert(true))
	}
	if err != nil {
		return fmt.Errorf("store preferences of %s: %w", p.Recipient, err)
	}
	return nil
}

type projectDoc struct {
	ID                string `bson:"_id"`
	Name              string `bson:"name"`
	OwnerOrganisation string `bson:"owner_organisation,omitempty"`
	OwnerContact      string `bson:"owner_contact,omitempty"`
	OwnerPhone        string `bson:"owner_phone,omitempty"`
	Officer           string `bson:"officer,omitempty"`
}

// PutProject upserts the projection of a registered project.
// Only the fields given are set, so the registration and an assignment
// naming the officer may arrive in either order.
func (s *Store) PutProject(ctx context.Context, p notification.Project) error {
	set := bson.D{}
	for _, f := range []struct{ key, value string }{
		{"name", p.Name}, {"owner_organisation", p.OwnerOrganisation}, {"owner_contact", p.OwnerContact},
		{"owner_phone", p.OwnerPhone}, {"officer", p.Officer},
	} {
		if f.value != "" {
			set = append(set, bson.E{Key: f.key, Value: f.value})
		}
	}
	if len(set) == 0 {
		return nil
	}
	if err := upsert(ctx, s.projects, p.Code, bson.D{{Key: "$set", Value: set}}); err != nil {
		return fmt.Errorf("store project %s: %w", p.Code, err)
	}
	return nil
}

// Project reads the projection of project code.
func (s *Store) Project(ctx context.Context, code string) (notification.Project, error) {
	var d projectDoc
	err := s.projects.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return notification.Project{}, fmt.Errorf("project %s: %w", code, notification.ErrNotFound)
	}
	if err != nil {
		return notification.Project{}, fmt.Errorf("find project %s: %w", code, err)
	}
	return notification.Project{Code: d.ID, Name: d.Name, OwnerOrganisation: d.OwnerOrganisation,
		OwnerContact: d.OwnerContact, OwnerPhone: d.OwnerPhone, Officer: d.Officer}, nil
}
