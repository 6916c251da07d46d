package notify

import (
	"context"
	"errors"
	"log/slog"
	netmail "net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
	"chorus/locales"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Errors.
var (
	ErrFrequency   = fault.InvalidField("frequency", "notify.error.frequency")
	ErrLanguage    = fault.InvalidField("language", "notify.error.language")
	ErrUnsubscribe = fault.New(fault.Gone, "notify.error.unsubscribe")
	ErrMailOff     = fault.New(fault.NotFound, "error.not_found")
	// ErrRetryBusy: the email is being sent, by this or another instance.
	ErrRetryBusy = fault.New(fault.Conflict, "mail.admin.busy")
	// ErrRetrySent: the email was sent meanwhile.
	ErrRetrySent = fault.New(fault.Conflict, "mail.admin.already_sent")
)

// Retries: a failed email is tried again after 5, 20, 45 and 80 minutes
// (5 × attempts²), then left with its error for an administrator to see.
const (
	// MaxAttempts is how often the sweep tries an email; after that only
	// an administrator's "try again" does.
	MaxAttempts = 5
	retryStep   = 5 * time.Minute
	// DigestHour is the local hour from which the day's and the week's
	// digests go out: nobody is woken at midnight.
	DigestHour  = 7
	sendTimeout = 30 * time.Second
)

// Config is what the delivery service needs besides its store.
type Config struct {
	BaseURL  string         // public address for links in emails, without a trailing slash
	Secret   []byte         // signs unsubscribe links
	Location *time.Location // where days and weeks begin
	Clock    func() time.Time
	Logger   *slog.Logger
}

// Service applies people's preferences and sends their email.
type Service struct {
	store    Store
	accounts *account.Service
	sender   Sender
	cfg      Config
	bundle   *i18n.Bundle
	easy     *i18n.Bundle // English with the Easy Read messages over it
	log      *slog.Logger
	wg       sync.WaitGroup // emails being sent in the background

	mu   sync.Mutex
	done map[string]bool // digest periods this instance has finished
}

// NewService returns the delivery service. sender nil turns email off: the
// preferences still apply to nothing, and password reset stays with
// administrators.
func NewService(store Store, accounts *account.Service, sender Sender, cfg Config) (*Service, error) {
	b, err := locales.Bundle()
	if err != nil {
		return nil, err
	}
	easy, err := locales.EasyBundle()
	if err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Service{store: store, accounts: accounts, sender: sender, cfg: cfg, bundle: b, easy: easy, log: cfg.Logger, done: map[string]bool{}}, nil
}

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

// SetSender turns email on (or off, with nil). Call it before the service
// is in use.
func (s *Service) SetSender(sender Sender) { s.sender = sender }

// MailEnabled reports whether Chorus can send email.
func (s *Service) MailEnabled() bool { return s != nil && s.sender != nil }

// Wait waits for the emails being sent in the background (at shutdown, and
// in tests).
func (s *Service) Wait() { s.wg.Wait() }

// defaults are the preferences of a person who never chose: the page only.
// Email is something a person asks for.
func defaults(userID string) *Preferences { return &Preferences{UserID: userID, Frequency: Off} }

// Preferences returns the signed-in person's preferences.
func (s *Service) Preferences(ctx context.Context, p *account.Principal) (*Preferences, error) {
	if p == nil {
		return nil, forum.ErrSignInRequired
	}
	return s.preferences(ctx, p.User.ID)
}

func (s *Service) preferences(ctx context.Context, userID string) (*Preferences, error) {
	pr, err := s.store.FindPreferences(ctx, userID)
	if errors.Is(err, fault.ErrNotFound) {
		return defaults(userID), nil
	}
	return pr, err
}

// SavePreferences stores what the person wants by email and in which
// language Chorus writes to them. Easy Read stays as it was (SetEasyRead).
func (s *Service) SavePreferences(ctx context.Context, p *account.Principal, f Frequency, wanted []forum.NoticeKind, lang string) error {
	if p == nil {
		return forum.ErrSignInRequired
	}
	if !slices.Contains(Frequencies, f) {
		return ErrFrequency
	}
	if _, ok := locales.Lookup(lang); !ok {
		return ErrLanguage
	}
	var muted []forum.NoticeKind
	for _, k := range forum.NoticeKinds {
		if !slices.Contains(wanted, k) {
			muted = append(muted, k)
		}
	}
	old, err := s.preferences(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if err := s.store.SavePreferences(ctx, &Preferences{UserID: p.User.ID, Frequency: f, Muted: muted, EasyRead: old.EasyRead, UpdatedAt: s.now()}); err != nil {
		return err
	}
	return s.accounts.SetLanguage(ctx, p, lang)
}

// SetEasyRead remembers whether the person wants email in Easy Read: their
// choice in the settings, or their last press of the Easy Read switch while
// signed in. An unchanged choice writes nothing.
func (s *Service) SetEasyRead(ctx context.Context, p *account.Principal, on bool) error {
	if p == nil {
		return forum.ErrSignInRequired
	}
	pr, err := s.preferences(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if pr.EasyRead == on {
		return nil
	}
	pr.EasyRead, pr.UpdatedAt = on, s.now()
	return s.store.SavePreferences(ctx, pr)
}

// UnsubscribeToken is the signed token of a person's unsubscribe link. It
// only ever turns their email off, so it does not expire.
func (s *Service) UnsubscribeToken(userID string) string {
	return userID + "." + secret.Sign(s.cfg.Secret, "unsubscribe|"+userID)
}

// CheckUnsubscribe returns the person an unsubscribe token belongs to.
func (s *Service) CheckUnsubscribe(ctx context.Context, token string) (*account.User, error) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || !secret.Verify(s.cfg.Secret, "unsubscribe|"+id, sig) {
		return nil, ErrUnsubscribe
	}
	u, err := s.store.FindUserByID(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, ErrUnsubscribe
	}
	return u, err
}

// Unsubscribe turns off every email to the person a token belongs to,
// keeping which kinds they chose for when they turn it back on.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	u, err := s.CheckUnsubscribe(ctx, token)
	if err != nil {
		return err
	}
	pr, err := s.preferences(ctx, u.ID)
	if err != nil {
		return err
	}
	pr.Frequency, pr.UpdatedAt = Off, s.now()
	return s.store.SavePreferences(ctx, pr)
}

// Notified sends a notification at once to a person who wants that. It is
// called after the notification is stored; the email goes in the
// background, so a slow or failing mail server never fails nor slows the
// request that caused it (a failure is recorded and retried by Sweep).
func (s *Service) Notified(ctx context.Context, n *forum.Notification) {
	if !s.MailEnabled() {
		return
	}
	pr, err := s.preferences(ctx, n.UserID)
	if err != nil {
		s.log.Warn("email preferences", slog.String("error", err.Error()))
		return
	}
	if pr.Frequency != Immediate || !pr.Wants(n.Kind) {
		return
	}
	d := &Delivery{Key: "notice:" + n.ID, UserID: n.UserID, Kind: DeliverNotice, Ref: n.ID, At: s.now()}
	if err := s.store.AddDelivery(ctx, d); err != nil {
		if !errors.Is(err, fault.ErrConflict) {
			s.log.Warn("record email", slog.String("error", err.Error()))
		}
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
		defer cancel()
		s.attempt(sendCtx, d, n)
	}()
}

// errNothing: an email found nothing left to say (read meanwhile, muted,
// account disabled); it counts as done.
var errNothing = errors.New("nothing to send")

// attempt composes and sends one recorded email and records the outcome.
// n is the notification when the caller has it at hand.
func (s *Service) attempt(ctx context.Context, d *Delivery, n *forum.Notification) {
	m, err := s.compose(ctx, d, n)
	if err == nil {
		err = s.sender.Send(ctx, m)
	}
	d.Attempts++
	switch {
	case err == nil || errors.Is(err, errNothing):
		d.SentAt, d.Error = s.now(), ""
	default:
		d.Error = truncate(err.Error(), 500)
		s.log.Warn("send email", slog.String("key", d.Key), slog.Int("attempt", d.Attempts), slog.String("error", d.Error))
	}
	if err := s.store.UpdateDelivery(ctx, d); err != nil {
		s.log.Warn("record email", slog.String("key", d.Key), slog.String("error", err.Error()))
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Sweep sends the digests that are due and retries failed emails. Every
// instance sweeps each minute; the unique key of each email and of each
// retry claim means every email is sent once. It returns how many emails
// it tried.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	if !s.MailEnabled() {
		return 0, nil
	}
	n := 0
	for _, f := range []Frequency{Daily, Weekly} {
		k, err := s.sweepDigests(ctx, f)
		n += k
		if err != nil {
			return n, err
		}
	}
	k, err := s.retry(ctx)
	return n + k, err
}

// period returns the digest period that has just ended for a frequency,
// named by its first day, and whether its digests may go out yet.
func (s *Service) period(f Frequency) (start, end time.Time, due bool) {
	now := s.cfg.Clock().In(s.cfg.Location)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.cfg.Location)
	due = now.Hour() >= DigestHour
	if f == Daily {
		return today.AddDate(0, 0, -1), today, due
	}
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, -7), monday, due
}

func (s *Service) sweepDigests(ctx context.Context, f Frequency) (int, error) {
	start, _, due := s.period(f)
	if !due {
		return 0, nil
	}
	ref := start.Format(time.DateOnly)
	mark := string(f) + ":" + ref
	s.mu.Lock()
	finished := s.done[mark]
	s.mu.Unlock()
	if finished {
		return 0, nil
	}
	prefs, err := s.store.ListPreferencesByFrequency(ctx, f)
	if err != nil {
		return 0, err
	}
	kind := DeliverDaily
	if f == Weekly {
		kind = DeliverWeekly
	}
	n := 0
	for _, pr := range prefs {
		d := &Delivery{Key: "digest:" + string(f) + ":" + pr.UserID + ":" + ref, UserID: pr.UserID, Kind: kind, Ref: ref, At: s.now()}
		if err := s.store.AddDelivery(ctx, d); errors.Is(err, fault.ErrConflict) {
			continue // sent, or being sent, by this or another instance
		} else if err != nil {
			return n, err
		}
		s.attempt(ctx, d, nil)
		n++
	}
	s.mu.Lock()
	s.done[mark] = true
	s.mu.Unlock()
	return n, nil
}

// retry tries failed emails again, each retry claimed under a unique key.
func (s *Service) retry(ctx context.Context) (int, error) {
	list, err := s.store.ListUnsent(ctx, s.now().Add(-retryStep), MaxAttempts)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range list {
		wait := retryStep * time.Duration(max(1, d.Attempts*d.Attempts))
		if s.now().Sub(d.At) < wait {
			continue
		}
		err := s.store.AddClaim(ctx, account.Claim{Key: "mail:" + d.Key + ":" + strconv.Itoa(d.Attempts), At: s.now()})
		if errors.Is(err, fault.ErrConflict) {
			continue
		} else if err != nil {
			return n, err
		}
		s.attempt(ctx, d, nil)
		n++
	}
	return n, nil
}

// RequestPasswordReset emails a single-use link to set a new password to the
// address, if it belongs to an active account. The answer is the same
// whether or not it does, and the email goes in the background so the time
// taken does not tell either.
func (s *Service) RequestPasswordReset(ctx context.Context, email, lang string) error {
	if !s.MailEnabled() {
		return ErrMailOff
	}
	u, token, err := s.accounts.RequestReset(ctx, email)
	if err != nil || u == nil {
		return err
	}
	if u.Language != "" {
		lang = u.Language
	}
	pr, err := s.preferences(ctx, u.ID)
	if err != nil {
		return err
	}
	m := s.resetMessage(u, s.tr(lang, pr.EasyRead), "/reset/"+token)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
		defer cancel()
		if err := s.sender.Send(sendCtx, m); err != nil {
			s.log.Warn("send password reset email", slog.String("error", err.Error()))
		}
	}()
	return nil
}

// Undelivered lists the emails not sent yet, newest first: those waiting
// for a retry and those that failed every try. Installation administrators
// only: the list names recipients.
func (s *Service) Undelivered(ctx context.Context, p *account.Principal) ([]*Delivery, error) {
	if p == nil || !p.IsAdmin() {
		return nil, forum.ErrForbidden
	}
	return s.store.ListUndelivered(ctx, 200)
}

// RetryNow tries an unsent email again at once, for an installation
// administrator, and returns it with the outcome. The try is claimed under
// the same key the sweep uses for that attempt, so however many people (and
// instances) press at once, it is sent once. An email not yet tried once is
// still being sent in the background: ErrRetryBusy.
func (s *Service) RetryNow(ctx context.Context, p *account.Principal, key string) (*Delivery, error) {
	if p == nil || !p.IsAdmin() {
		return nil, forum.ErrForbidden
	}
	if !s.MailEnabled() {
		return nil, ErrMailOff
	}
	d, err := s.store.FindDelivery(ctx, key)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, forum.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	if !d.SentAt.IsZero() {
		return nil, ErrRetrySent
	}
	if d.Attempts == 0 {
		return nil, ErrRetryBusy
	}
	err = s.store.AddClaim(ctx, account.Claim{Key: "mail:" + d.Key + ":" + strconv.Itoa(d.Attempts), By: p.User.ID, At: s.now()})
	if errors.Is(err, fault.ErrConflict) {
		return nil, ErrRetryBusy
	} else if err != nil {
		return nil, err
	}
	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	s.attempt(sendCtx, d, nil)
	return d, nil
}

// Recipient returns the person an email is for (the administrators' page
// shows their address).
func (s *Service) Recipient(ctx context.Context, d *Delivery) (*account.User, error) {
	return s.store.FindUserByID(ctx, d.UserID)
}

// Invitees returns the people an invitation's note names: the accounts
// whose email addresses it contains (the note is free text, "for
// sam@example.org, the new chair"). Disabled accounts and the inviter are
// left out. It answers once per invitation (a claim under its ID), so a
// resent form that gives back the same invitation tells nobody twice. The
// invitation itself stays a link: this only tells them.
func (s *Service) Invitees(ctx context.Context, inv *account.Invitation, inviterID string) ([]string, error) {
	out, err := s.named(ctx, inv.Note, inviterID)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	err = s.store.AddClaim(ctx, account.Claim{Key: "invited:" + inv.ID, By: inviterID, At: s.now()})
	if errors.Is(err, fault.ErrConflict) {
		return nil, nil
	}
	return out, err
}

func (s *Service) named(ctx context.Context, note, inviterID string) ([]string, error) {
	var out []string
	for _, word := range strings.FieldsFunc(note, func(r rune) bool {
		return r == ' ' || r == ',' || r == ';' || r == '<' || r == '>' || r == '(' || r == ')' || r == '\t' || r == '\n'
	}) {
		word = strings.TrimRight(word, ".:!?")
		if !strings.Contains(word, "@") {
			continue
		}
		addr, err := netmail.ParseAddress(word)
		if err != nil {
			continue
		}
		u, err := s.store.FindUserByEmail(ctx, account.NormalizeEmail(addr.Address))
		if errors.Is(err, fault.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if u.Disabled || u.ID == inviterID || slices.Contains(out, u.ID) {
			continue
		}
		out = append(out, u.ID)
	}
	return out, nil
}

// Notification returns one of the signed-in person's notifications;
// someone else's is not found.
func (s *Service) Notification(ctx context.Context, p *account.Principal, id string) (*forum.Notification, error) {
	if p == nil {
		return nil, forum.ErrSignInRequired
	}
	return s.store.FindNotification(ctx, p.User.ID, id)
}
