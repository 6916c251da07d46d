// Package storetest is the contract every storage adapter must pass: the same
// assertions, run once per adapter (store/sqlite and store/mongo call Run from
// their tests). A feature is not done until it passes here on both.
package storetest

import (
	"context"
	"testing"

	"chorus/account"
	"chorus/audit"
)

// Store is everything an adapter implements.
type Store interface {
	account.Store
	audit.Store
	// Ping reports whether the store can be reached.
	Ping(ctx context.Context) error
}

// Opener returns a new, empty store for one test; it registers its own cleanup.
type Opener func(t *testing.T) Store

// Run runs the accounts contract against stores made by open; RunAudit,
// RunForum and RunRealtime run the others.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("Grants", func(t *testing.T) { testGrants(t, open) })
	t.Run("Organisations", func(t *testing.T) { testOrganisations(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("Invitations", func(t *testing.T) { testInvitations(t, open) })
	t.Run("Resets", func(t *testing.T) { testResets(t, open) })
	t.Run("Claims", func(t *testing.T) { testClaims(t, open) })
	t.Run("Attempts", func(t *testing.T) { testAttempts(t, open) })
}
