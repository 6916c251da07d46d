// Package fault is the one error type every domain returns to the web layer.
//
// A fault carries a Kind (what went wrong, mapped to a status at the edge) and a
// message ID (what to tell the person, translated at the edge). It never carries
// user-facing text: domains know nothing of languages or HTTP.
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies a fault; the web layer maps each kind to one HTTP status.
type Kind int

// The kinds of fault.
const (
	Internal        Kind = iota // a bug or an unexpected failure: "Internal error." to the user
	Invalid                     // the input breaks a rule the person can fix
	NotFound                    // no such thing, or not visible to this person
	Forbidden                   // known person, not allowed
	Unauthenticated             // must sign in first
	Conflict                    // clashes with existing state (duplicate, already used)
	TooMany                     // rate limited
	Unavailable                 // a dependency (the store) is down; try again
	Gone                        // existed, but expired or revoked
)

// Error is a domain error with a kind and a translatable message ID.
type Error struct {
	Kind  Kind
	MsgID string // locale message ID shown to the person
	Field string // form field the error belongs to, if any
	Err   error  // the internal cause, logged, never shown
}

// New returns a fault of the given kind with a message ID.
func New(kind Kind, msgID string) *Error { return &Error{Kind: kind, MsgID: msgID} }

// InvalidField returns an Invalid fault for one form field.
func InvalidField(field, msgID string) *Error {
	return &Error{Kind: Invalid, MsgID: msgID, Field: field}
}

// Error implements error for logs; it is never shown to a person.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.MsgID, e.Err)
	}
	return e.MsgID
}

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is match faults by kind and message ID, so a wrapped copy of a
// sentinel still matches it.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.MsgID == e.MsgID && t.Field == e.Field
}

// Wrap returns a copy of the fault carrying an internal cause.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// KindOf reports the kind of err: the kind of the first fault in its chain,
// or Internal when there is none.
func KindOf(err error) Kind {
	var f *Error
	if errors.As(err, &f) {
		return f.Kind
	}
	return Internal
}

// Common faults shared by every store adapter.
var (
	// ErrNotFound: the record does not exist.
	ErrNotFound = New(NotFound, "error.not_found")
	// ErrConflict: a unique key is already taken.
	ErrConflict = New(Conflict, "error.conflict")
	// ErrUnavailable: the store cannot be reached.
	ErrUnavailable = New(Unavailable, "error.unavailable")
)
