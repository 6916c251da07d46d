// Package services builds Chorus's domain services on one store and wires
// them to each other. The program, the web tests and the benchmarks all
// start Chorus through New, so what they run is wired the same way.
package services

import (
	"context"
	"log/slog"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/notify"
	"chorus/realtime"
	"chorus/steering"
)

// Store is what the domain services need of a storage adapter.
type Store interface {
	account.Store
	audit.Store
	forum.Store
	steering.Store
	realtime.Log
	notify.Store
	Ping(ctx context.Context) error
}

// Config is what the services are built with.
type Config struct {
	Clock    func() time.Time // time.Now unless a test drives the clock
	Secret   []byte           // signs follow-up codes' lookups and unsubscribe links
	Location *time.Location   // where meetings' times and digests' days are reckoned; UTC when nil
	Accounts account.Settings // session and invitation lifetimes
	BaseURL  string           // public address for links in emails, without a trailing slash
	Sender   notify.Sender    // sends email; nil: none (the notification centre works the same)
	Logger   *slog.Logger
}

// Set is Chorus's domain services, wired to each other.
type Set struct {
	Audit    *audit.Log
	Accounts *account.Service
	Forums   *forum.Service
	Steering *steering.Service
	Notify   *notify.Service
}

// New builds the services on db.
func New(db Store, c Config) (*Set, error) {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	s := &Set{Audit: audit.NewLog(db, c.Clock)}
	s.Accounts = account.NewService(db, s.Audit, c.Clock, c.Accounts)
	s.Forums = forum.NewService(db, s.Audit, c.Clock, c.Secret)
	s.Accounts.RegisterScope(account.ScopeForum, s.Forums) // forum invitations: the forum owns its roles
	s.Forums.SetDirectory(s.Accounts)                      // safeguarding escalations reach organisation administrators
	s.Steering = steering.NewService(db, s.Forums, s.Accounts, s.Audit, c.Clock, c.Location)
	s.Accounts.RegisterScope(account.ScopeGroup, s.Steering) // steering invitations: the group owns its seats
	n, err := notify.NewService(db, s.Accounts, c.Sender, notify.Config{BaseURL: c.BaseURL, Secret: c.Secret,
		Location: c.Location, Clock: c.Clock, Logger: c.Logger})
	if err != nil {
		return nil, err
	}
	s.Notify = n
	s.Forums.SetNotifier(n) // each stored notification may go by email
	return s, nil
}
