package auth

import (
	"context"

	"github.com/go-kit/kit/endpoint"
)

// Allow is the go-kit endpoint middleware of a route's roles: 401 when the
// request carries no principal (httpx.Server puts one there for every
// verified token), 403 naming the roles when the principal holds none of
// them (see Require).
func Allow(roles ...Role) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			if _, err := Require(ctx, roles...); err != nil {
				return nil, err
			}
			return next(ctx, req)
		}
	}
}
