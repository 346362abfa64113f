package transport

import (
	"context"

	"github.com/go-kit/kit/endpoint"

	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Endpoints are the inbox, delivery log and preferences API as go-kit
// endpoints, one per route.
type Endpoints struct {
	Inbox          endpoint.Endpoint
	Unread         endpoint.Endpoint
	MarkRead       endpoint.Endpoint
	Deliveries     endpoint.Endpoint
	Delivery       endpoint.Endpoint
	Redeliver      endpoint.Endpoint
	Preferences    endpoint.Endpoint
	SetPreferences endpoint.Endpoint
}

// MakeEndpoints binds the endpoints to svc.
func MakeEndpoints(svc notification.Queries) Endpoints {
	return Endpoints{
		Inbox:          makeInboxEndpoint(svc),
		Unread:         makeUnreadEndpoint(svc),
		MarkRead:       makeMarkReadEndpoint(svc),
		Deliveries:     makeDeliveriesEndpoint(svc),
		Delivery:       makeDeliveryEndpoint(svc),
		Redeliver:      makeRedeliverEndpoint(svc),
		Preferences:    makePreferencesEndpoint(svc),
		SetPreferences: makeSetPreferencesEndpoint(svc),
	}
}

// recipientRequest names a recipient: the inbox's unread count, the
// preferences.
type recipientRequest struct{ Recipient string }

// idRequest names an inbox entry or a delivery.
type idRequest struct{ ID string }

type deliveriesResponse struct {
	Items []notification.Delivery `json:"items"`
}

func makeInboxEndpoint(svc notification.Queries) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.Inbox(ctx, req.(notification.InboxQuery))
	}
}

func makeUnreadEndpoint(svc notification.Queries) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.Unread(ctx, req.(recipientRequest).Recipient)
	}
}

func makeMarkReadEndpoint(svc notification.Queries) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.MarkRead(ctx, req.(idRequest).ID)
	}
}

func makeDeliveriesEndpoint(svc notification.Queries) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		ds, err := svc.Deliveries(ctx, req.(notification.DeliveryQuery))
		return deliveriesResponse{Items: ds}, err
	}
}

func makeDeliveryEndpoint(svc notification.Queries) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.Delivery(ctx, req.(idRequest).ID)
	}
}

func makeRedeliverEndpoint(svc notification.Queries) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.Redeliver(ctx, req.(idRequest).ID)
	}
}

func makePreferencesEndpoint(svc notification.Queries) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.Preferences(ctx, req.(recipientRequest).Recipient)
	}
}

func makeSetPreferencesEndpoint(svc notification.Queries) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.SetPreferences(ctx, req.(notification.Preferences))
	}
}
