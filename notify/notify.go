// Package notify delivers what the notification centre holds beyond the
// page: per-person preferences (which kinds, how often), email at once or in
// a daily or weekly digest, unsubscribe links that work without signing in,
// and the email of a self-service password reset. Email is optional: without
// a Sender, Chorus works exactly as before. Anonymous submitters are never
// emailed: they have no account, so no notification is ever theirs.
package notify

import (
	"context"
	"slices"
	"time"

	"chorus/account"
	"chorus/forum"
)

// Frequency is how often a person wants email.
type Frequency string

// Email frequencies.
const (
	Off       Frequency = "off" // the page only
	Immediate Frequency = "immediate"
	Daily     Frequency = "daily"  // one email a day with what is unread
	Weekly    Frequency = "weekly" // one email a week
)

// Frequencies lists every frequency, in the order the settings show them.
var Frequencies = []Frequency{Off, Immediate, Daily, Weekly}

// Preferences are what one person wants to hear about by email. Kinds are
// on unless muted, so a kind added later reaches people who never chose.
// The page lists every kind whatever the preferences: it is the record.
type Preferences struct {
	UserID    string
	Frequency Frequency
	Muted     []forum.NoticeKind
	// EasyRead: write to them in Easy Read (short sentences, one thing per
	// line), as they chose in the settings or, last, with the Easy Read
	// switch on a page while signed in.
	EasyRead  bool
	UpdatedAt time.Time
}

// Wants reports whether the person wants email about a kind.
func (p *Preferences) Wants(k forum.NoticeKind) bool { return !slices.Contains(p.Muted, k) }

// DeliveryKind says what an email is.
type DeliveryKind string

// Kinds of email.
const (
	DeliverNotice DeliveryKind = "notice" // one notification, at once
	DeliverDaily  DeliveryKind = "daily"  // a day's digest
	DeliverWeekly DeliveryKind = "weekly" // a week's digest
)

// Delivery records an email due to a person, under a unique key (the
// notification, or the person and digest period), inserted before the email
// is sent: however many instances sweep, or restart, each email is sent
// once. A failed email stays unsent, with its error, and is tried again.
type Delivery struct {
	Key      string
	UserID   string
	Kind     DeliveryKind
	Ref      string // the notification ID, or the first day of the digest's period (2006-01-02)
	At       time.Time
	Attempts int
	SentAt   time.Time // zero until sent (or found to have nothing to send)
	Error    string    // the last failure
}

// Store is what delivery needs from storage. Adapters return
// fault.ErrNotFound and fault.ErrConflict (a unique key is taken).
type Store interface {
	// ErasureStore forgets a person's email records (erasure.go).
	ErasureStore

	// FindPreferences returns a person's preferences. ErrNotFound when
	// they never chose.
	FindPreferences(ctx context.Context, userID string) (*Preferences, error)
	// SavePreferences inserts or replaces a person's preferences.
	SavePreferences(ctx context.Context, p *Preferences) error
	// ListPreferencesByFrequency returns everyone's preferences with a
	// frequency.
	ListPreferencesByFrequency(ctx context.Context, f Frequency) ([]*Preferences, error)

	// AddDelivery inserts an email record. ErrConflict when the key exists.
	AddDelivery(ctx context.Context, d *Delivery) error
	// FindDelivery returns an email record. ErrNotFound.
	FindDelivery(ctx context.Context, key string) (*Delivery, error)
	// UpdateDelivery records an email's attempts, sending time and error
	// (the instance that claimed the attempt is its one writer). ErrNotFound.
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// ListUnsent returns unsent emails recorded before a time and tried
	// fewer than maxAttempts times, oldest first (at most 100).
	ListUnsent(ctx context.Context, before time.Time, maxAttempts int) ([]*Delivery, error)
	// ListUndelivered returns every unsent email record, however often it
	// was tried, newest first, at most limit: the administrators' page.
	ListUndelivered(ctx context.Context, limit int) ([]*Delivery, error)

	// FindNotification returns one of a person's notifications. ErrNotFound
	// (also when it is someone else's).
	FindNotification(ctx context.Context, userID, id string) (*forum.Notification, error)
	// ListUnreadSince returns a person's unread notifications after a
	// cursor and made before a time, oldest first (ties by ID), at most
	// limit: a digest pages through all of them.
	ListUnreadSince(ctx context.Context, userID string, after Cursor, before time.Time, limit int) ([]*forum.Notification, error)

	// From the account store.
	FindUserByID(ctx context.Context, id string) (*account.User, error)
	FindUserByEmail(ctx context.Context, email string) (*account.User, error)
	AddClaim(ctx context.Context, c account.Claim) error
}

// Cursor is a place in a person's notifications, oldest first: those after
// it were made later than At, or at At with a greater ID. The zero ID with a
// time starts at (and includes) that time.
type Cursor struct {
	At time.Time
	ID string
}

// Message is one email, ready to send: plain text with an HTML alternative.
type Message struct {
	To      string
	Subject string
	Lang    string // the language it is written in (Content-Language)
	Text    string
	HTML    string
	// Unsubscribe is the address that turns email off without signing in
	// (the List-Unsubscribe header): a GET shows the page with its button,
	// a POST with "List-Unsubscribe=One-Click" (RFC 8058) turns email off at
	// once. Empty for a password reset.
	Unsubscribe string
}

// Sender sends email (the SMTP adapter in mail/, a recorder in tests).
type Sender interface {
	Send(ctx context.Context, m *Message) error
}
