package notification

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tuijin/tuijin/pkg/auth"
)

// Who may use the Queries (pkg/auth/ACCESS.md). The Queries are the HTTP
// API only (events reach the service through the Notifier, trusted system
// paths that check no caller), so each of them refuses a context without a
// principal: a route mounted without authentication fails closed.
//
// A recipient's own: dept:<d> is a clerk or leader of d, leader:<d> the
// leader of d, officer:<code> that officer, owner:<project code> the owner
// organisation of that project, as its project.registered event named it.
// Operations read and change every recipient's preferences and alone read
// the delivery log, which holds phone numbers and addresses.

// requireOperations admits operations to the delivery log.
func requireOperations(ctx context.Context) error {
	if _, err := auth.Require(ctx, auth.Operations); err != nil {
		if errors.Is(err, auth.ErrUnauthenticated) {
			return err
		}
		return auth.Forbidden("the delivery log is for operations only")
	}
	return nil
}

// officerCode is the officer code p stands for ("" when p is no officer):
// recipients name officers by the organisation's code, a token may name
// them by code or by name.
func (s *Service) officerCode(p auth.Principal) string {
	if !p.Has(auth.Officer) || p.Name == "" {
		return ""
	}
	if s.Names.Officer != nil {
		if code, ok := s.Names.Officer(p.Name); ok {
			return code
		}
	}
	return p.Name
}

// owns reports whether recipient (checked by ParseRecipient) is p's own.
func (s *Service) owns(ctx context.Context, p auth.Principal, recipient string) (bool, error) {
	kind, id, _ := strings.Cut(recipient, ":")
	switch kind {
	case KindDepartment:
		return p.OfDepartment(id), nil
	case KindLeader:
		return isLeaderOf(p, id), nil
	case KindOfficer:
		code := s.officerCode(p)
		return code != "" && code == id, nil
	case KindRole:
		return p.Has(auth.Role(id)), nil
	case KindOwner:
		if !p.Has(auth.Owner) {
			return false, nil
		}
		pr, err := s.Projects.Project(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return false, nil // no registration names its owner yet
		}
		if err != nil {
			return false, fmt.Errorf("owner of project %s: %w", id, err)
		}
		return p.OwnerOf(pr.OwnerOrganisation), nil
	}
	return false, nil
}

func isLeaderOf(p auth.Principal, dept string) bool {
	return dept != "" && p.Department == dept && p.Has(auth.Leader)
}

// checkOwn refuses p the inbox of a recipient not its own.
func (s *Service) checkOwn(ctx context.Context, p auth.Principal, recipient string) error {
	ok, err := s.owns(ctx, p, recipient)
	if err != nil || ok {
		return err
	}
	return auth.Forbidden("the inbox of " + recipient + " is read only by " + describe(recipient))
}

// checkReadPreferences admits the recipient and operations.
func (s *Service) checkReadPreferences(ctx context.Context, p auth.Principal, recipient string) error {
	if p.Has(auth.Operations) {
		return nil
	}
	ok, err := s.owns(ctx, p, recipient)
	if err != nil || ok {
		return err
	}
	return auth.Forbidden("the preferences of " + recipient + " are read only by " + describe(recipient) + " or operations")
}

// checkSetPreferences admits operations, a department's leader for the
// department's recipients (they decide where its messages go: a webhook
// is an address the service will call) and officers and owners for
// themselves.
func (s *Service) checkSetPreferences(ctx context.Context, p auth.Principal, recipient string) error {
	if p.Has(auth.Operations) {
		return nil
	}
	kind, id, _ := strings.Cut(recipient, ":")
	if kind == KindDepartment || kind == KindLeader {
		if isLeaderOf(p, id) {
			return nil
		}
		return auth.Forbidden("the preferences of " + recipient + " are changed only by the leader of " + id + " or operations")
	}
	ok, err := s.owns(ctx, p, recipient)
	if err != nil || ok {
		return err
	}
	return auth.Forbidden("the preferences of " + recipient + " are changed only by " + describe(recipient) + " or operations")
}

// describe says in words who recipient is.
func describe(recipient string) string {
	kind, id, _ := strings.Cut(recipient, ":")
	switch kind {
	case KindDepartment:
		return "a clerk or the leader of " + id
	case KindLeader:
		return "the leader of " + id
	case KindOfficer:
		return "the officer " + id
	case KindOwner:
		return "the owner of project " + id
	case KindRole:
		return "a " + id
	}
	return recipient
}
