package account

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"chorus/audit"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// ErasureStatus is where a request for erasure stands.
type ErasureStatus string

// Erasure request statuses.
const (
	ErasureRequested ErasureStatus = "requested" // waiting for an installation administrator
	ErasureDone      ErasureStatus = "done"      // carried out: the account is a former member's
	ErasureRefused   ErasureStatus = "refused"   // refused, with the administrator's reason
	ErasureWithdrawn ErasureStatus = "withdrawn" // the person changed their mind
)

// FormerMember is the name an erased person's account, posts and seats
// carry afterwards, in every language's papers alike (pages translate it
// where they show it).
const FormerMember = "Former member"

// MaxErasureReason is the longest refusal reason, in characters.
const MaxErasureReason = 1000

// ErasureRequest is a person's request to have their account and what they
// wrote under their name erased. Once carried out, UserID names the former
// member's account (FormerID), never the person's.
type ErasureRequest struct {
	ID          string
	UserID      string
	Status      ErasureStatus
	Reason      string // why it was refused, in the administrator's words
	RequestedAt time.Time
	HandledAt   time.Time // zero until done, refused or withdrawn
	HandledBy   string    // the administrator who handled it
	// FormerID is the ID the account and every record that named the
	// person take when the request is carried out; chosen when carrying out
	// starts, so that a run cut short continues under the same ID.
	FormerID string
}

// Open reports whether the request still waits for an administrator.
func (r *ErasureRequest) Open() bool { return r.Status == ErasureRequested }

// ErasureStore keeps erasure requests and carries out the account side of
// an erasure. Adapters return fault.ErrNotFound.
type ErasureStore interface {
	// AddErasureRequest inserts a request.
	AddErasureRequest(ctx context.Context, r *ErasureRequest) error
	// FindErasureRequest returns a request. ErrNotFound.
	FindErasureRequest(ctx context.Context, id string) (*ErasureRequest, error)
	// ListErasureRequests returns a person's requests (every request when
	// userID is empty), newest first.
	ListErasureRequests(ctx context.Context, userID string) ([]*ErasureRequest, error)
	// UpdateErasureRequest replaces a request's status, reason, handling
	// and former ID (administrators are its one writer). ErrNotFound.
	UpdateErasureRequest(ctx context.Context, r *ErasureRequest) error
	// ForgetUser turns the account userID into former: the user record
	// takes former's ID, email and name, loses its password, two-step
	// secret and language, and is disabled; the person's grants, sessions
	// and password resets are deleted; invitations they made or used,
	// claims, resets others made, audit entries (as actor and as subject
	// "user:<id>") and erasure requests name former.ID instead. The notes
	// of invitations they used (which may name them), and notes that name
	// their email address, are emptied. Where
	// the store keeps deleted rows' bytes (SQLite's free pages, its
	// write-ahead log), it rewrites them away. Running it again for a user
	// already forgotten changes nothing.
	ForgetUser(ctx context.Context, userID string, former *User) error
}

// Errors of erasure requests.
var (
	ErrErasureConfirm  = fault.InvalidField("confirm", "erasure.error.confirm")
	ErrErasureOpen     = fault.New(fault.Conflict, "erasure.error.open")
	ErrErasureHandled  = fault.New(fault.Conflict, "erasure.error.handled")
	ErrErasureReason   = fault.InvalidField("reason", "erasure.error.reason")
	ErrErasureReasonLn = fault.InvalidField("reason", "erasure.error.reason_long")
)

func (s *Service) erasureStore() ErasureStore { return s.store }

// RequestErasure records the signed-in person's request to be erased. A
// person has at most one open request.
func (s *Service) RequestErasure(ctx context.Context, p *Principal, confirmed bool) (*ErasureRequest, error) {
	if p == nil || p.User == nil {
		return nil, ErrSignInRequired
	}
	if !confirmed {
		return nil, ErrErasureConfirm
	}
	mine, err := s.erasureStore().ListErasureRequests(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range mine {
		if r.Open() {
			return nil, ErrErasureOpen
		}
	}
	r := &ErasureRequest{ID: secret.NewID(), UserID: p.User.ID, Status: ErasureRequested, RequestedAt: s.now()}
	if err := s.erasureStore().AddErasureRequest(ctx, r); err != nil {
		return nil, err
	}
	return r, s.record(ctx, p, "rights.erasure_request", "erasure:"+r.ID, Scope{}, "")
}

// MyErasureRequests lists the signed-in person's requests, newest first.
func (s *Service) MyErasureRequests(ctx context.Context, p *Principal) ([]*ErasureRequest, error) {
	if p == nil || p.User == nil {
		return nil, ErrSignInRequired
	}
	return s.erasureStore().ListErasureRequests(ctx, p.User.ID)
}

// WithdrawErasure withdraws one of the person's own open requests. Someone
// else's request does not exist for them.
func (s *Service) WithdrawErasure(ctx context.Context, p *Principal, id string) error {
	if p == nil || p.User == nil {
		return ErrSignInRequired
	}
	r, err := s.erasureStore().FindErasureRequest(ctx, id)
	if err != nil {
		return err
	}
	if r.UserID != p.User.ID {
		return ErrNotFound
	}
	if !r.Open() {
		return ErrErasureHandled
	}
	r.Status, r.HandledAt, r.HandledBy = ErasureWithdrawn, s.now(), p.User.ID
	if err := s.erasureStore().UpdateErasureRequest(ctx, r); err != nil {
		return err
	}
	return s.record(ctx, p, "rights.erasure_withdraw", "erasure:"+r.ID, Scope{}, "")
}

// ErasureCase is a request as administrators see it: with the person's
// account while it exists (nil once erased).
type ErasureCase struct {
	Request *ErasureRequest
	User    *User
}

// ErasureRequests lists every request, newest first, for installation
// administrators.
func (s *Service) ErasureRequests(ctx context.Context, by *Principal) ([]ErasureCase, error) {
	if !by.IsAdmin() {
		return nil, ErrForbidden
	}
	list, err := s.erasureStore().ListErasureRequests(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]ErasureCase, 0, len(list))
	for _, r := range list {
		c := ErasureCase{Request: r}
		if r.Status != ErasureDone {
			u, err := s.store.FindUserByID(ctx, r.UserID)
			if err != nil && !errors.Is(err, fault.ErrNotFound) {
				return nil, err
			}
			c.User = u
		}
		out = append(out, c)
	}
	return out, nil
}

// ErasureCase returns one request for an installation administrator.
func (s *Service) ErasureCase(ctx context.Context, by *Principal, id string) (*ErasureCase, error) {
	if !by.IsAdmin() {
		return nil, ErrForbidden
	}
	r, err := s.erasureStore().FindErasureRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	c := &ErasureCase{Request: r}
	if r.Status != ErasureDone {
		if c.User, err = s.store.FindUserByID(ctx, r.UserID); err != nil && !errors.Is(err, fault.ErrNotFound) {
			return nil, err
		}
	}
	return c, nil
}

// RefuseErasure refuses an open request with a reason the person reads
// (for example a safeguarding hold that must be resolved first).
func (s *Service) RefuseErasure(ctx context.Context, by *Principal, id, reason string) (*ErasureRequest, error) {
	if !by.IsAdmin() {
		return nil, ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, ErrErasureReason
	}
	if utf8.RuneCountInString(reason) > MaxErasureReason {
		return nil, ErrErasureReasonLn
	}
	r, err := s.erasureStore().FindErasureRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.Open() {
		return nil, ErrErasureHandled
	}
	r.Status, r.Reason, r.HandledAt, r.HandledBy = ErasureRefused, reason, s.now(), by.User.ID
	if err := s.erasureStore().UpdateErasureRequest(ctx, r); err != nil {
		return nil, err
	}
	return r, s.audit.Record(ctx, audit.Entry{ActorID: by.User.ID, Action: "rights.erasure_refuse", Subject: "erasure:" + r.ID, Reason: reason})
}

// StartErasure begins carrying out an open request: it fixes the former
// member's ID (kept, so that a run cut short continues under it) and
// returns the request with the person's account. An administrator never
// carries out their own request: another one must.
func (s *Service) StartErasure(ctx context.Context, by *Principal, id string) (*ErasureRequest, *User, error) {
	if !by.IsAdmin() {
		return nil, nil, ErrForbidden
	}
	r, err := s.erasureStore().FindErasureRequest(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !r.Open() {
		return nil, nil, ErrErasureHandled
	}
	if r.UserID == by.User.ID {
		return nil, nil, ErrSelf
	}
	if r.FormerID == "" {
		r.FormerID = secret.NewID()
		if err := s.erasureStore().UpdateErasureRequest(ctx, r); err != nil {
			return nil, nil, err
		}
	}
	u, err := s.store.FindUserByID(ctx, r.UserID)
	if errors.Is(err, fault.ErrNotFound) {
		// A run cut short after the account was forgotten: finish it.
		u, err = s.store.FindUserByID(ctx, r.FormerID)
	}
	if err != nil {
		return nil, nil, err
	}
	if grants, err := s.store.ListGrants(ctx, u.ID); err != nil {
		return nil, nil, err
	} else if requiresAdmin(grants) {
		admins, err := s.store.ListGrantsByRole(ctx, RoleAdmin)
		if err != nil {
			return nil, nil, err
		}
		if len(admins) <= 1 {
			return nil, nil, ErrLastAdmin
		}
	}
	return r, u, nil
}

func requiresAdmin(grants []Grant) bool {
	for _, g := range grants {
		if g.Role == RoleAdmin {
			return true
		}
	}
	return false
}

// FinishErasure carries out the account side of an erasure, last, once
// every other domain has forgotten the person: the account becomes a
// disabled "Former member" under the request's former ID, everything that
// named the person names that ID, the sign-in and reset throttles keyed by
// them are cleared, and the request is marked done. The audit trail records
// that the erasure happened and who carried it out, with no content.
func (s *Service) FinishErasure(ctx context.Context, by *Principal, r *ErasureRequest, u *User) error {
	if !by.IsAdmin() {
		return ErrForbidden
	}
	for _, key := range []string{"login:" + secret.HashToken(NormalizeEmail(u.Email)), "totp:" + u.ID, "reset-request:" + u.ID} {
		if err := s.store.ClearAttempts(ctx, key); err != nil {
			return err
		}
	}
	former := &User{ID: r.FormerID, Email: "former-" + r.FormerID + "@erased.invalid", Name: FormerMember, Disabled: true, CreatedAt: u.CreatedAt}
	if err := s.erasureStore().ForgetUser(ctx, u.ID, former); err != nil {
		return err
	}
	r.UserID, r.Status, r.HandledAt, r.HandledBy = r.FormerID, ErasureDone, s.now(), by.User.ID
	if err := s.erasureStore().UpdateErasureRequest(ctx, r); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: by.User.ID, Action: "rights.erasure_done", Subject: "erasure:" + r.ID})
}

// InstallationAdmins returns the IDs of installation administrators, who
// are told of erasure requests.
func (s *Service) InstallationAdmins(ctx context.Context) ([]string, error) {
	grants, err := s.store.ListGrantsByRole(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(grants))
	for _, g := range grants {
		out = append(out, g.UserID)
	}
	return out, nil
}
