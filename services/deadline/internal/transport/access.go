package transport

import (
	"context"

	"github.com/go-kit/kit/endpoint"

	"github.com/tuijin/tuijin/pkg/auth"
)

// requireRole lets through only the calls whose principal holds one of
// roles: without a principal a call is unauthenticated (401), with none of
// the roles forbidden (403).
func requireRole(roles ...auth.Role) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			if _, err := auth.Require(ctx, roles...); err != nil {
				return nil, err
			}
			return next(ctx, req)
		}
	}
}

// signedIn is requireRole of any role: the calendar is everyone's.
var signedIn = requireRole(auth.Roles...)
