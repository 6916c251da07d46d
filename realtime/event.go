// Package realtime carries events to viewers of rooms ("forum:<id>",
// "issue:<id>", ...) over websockets or server-sent events. It knows rooms,
// connections and events, not forums or meetings: it imports no domain
// package. The client protocol is described in docs/realtime.md.
package realtime

import (
	"context"
	"encoding/json"
)

// Event is one change in a room. Seq numbers a room's events from 1, in the
// store (Log), so numbers survive restarts and are shared by every instance;
// an ephemeral event (presence, a coalesced count) has Seq 0 and is neither
// stored, buffered nor resumed.
type Event struct {
	Type string          `json:"type"`
	Room string          `json:"room"`
	Seq  int64           `json:"seq,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
	// HTML holds one rendered fragment per variant ("en/member",
	// "ur/facilitator"). A connection receives only its own variant's
	// fragment, as the string field "html".
	HTML map[string]string `json:"html,omitempty"`
}

// Log numbers and keeps each room's events. Append stores an event under the
// next sequence number of its room (from 1, no gaps, unique under
// concurrency, shared by instances); Since returns up to limit events of room
// with Seq > after, in order; Latest returns a room's highest sequence
// number (0 for a room with no events), which a page is rendered with so
// that its live connection resumes from there.
type Log interface {
	Append(ctx context.Context, room string, typ string, data []byte) (seq int64, err error)
	Since(ctx context.Context, room string, after int64, limit int) ([]Event, error)
	Latest(ctx context.Context, room string) (int64, error)
}

// Authorizer reports whether principal (whatever the web layer attached to
// the connection) may view room, and which variant of the room's fragments
// it receives: base is the connection's variant (say, its language), which
// the Authorizer may refine for the room (say, with the viewer's role
// there). It is asked on every subscribe.
type Authorizer func(ctx context.Context, principal any, room, base string) (variant string, ok bool)

// Renderer renders the HTML variants of an event read back from the Log
// (which keeps only type and data) for a resuming client, and of presence
// counts; nil leaves them out.
type Renderer func(ctx context.Context, ev Event) map[string]string

// Message types sent by the server (besides event types, which are the
// domain's own, e.g. "comment.added").
const (
	TypeReload   = "reload"   // too far behind: reload the page
	TypePresence = "presence" // {"room", "data": {"count": n}}: viewers on every instance
	TypeError    = "error"    // {"room"?, "code"}
	TypeOK       = "subscribed"
)

// Message types sent by the client.
const (
	TypeSubscribe   = "subscribe"
	TypeUnsubscribe = "unsubscribe"
)

// Error codes in an "error" message.
const (
	ErrCodeBadRequest   = "bad_request"
	ErrCodeForbidden    = "forbidden"
	ErrCodeTooManyRooms = "too_many_rooms"
	ErrCodeUnavailable  = "unavailable"
)

// wireEvent is an event as one connection receives it.
type wireEvent struct {
	Type string          `json:"type"`
	Room string          `json:"room"`
	Seq  int64           `json:"seq,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
	HTML string          `json:"html,omitempty"`
}

// control is a message that is not an event: reload, error, subscribed.
type control struct {
	Type string `json:"type"`
	Room string `json:"room,omitempty"`
	Code string `json:"code,omitempty"`
	Seq  int64  `json:"seq,omitempty"` // subscribed: the last seq sent before live delivery
}

// clientMsg is what a client sends.
type clientMsg struct {
	Type  string `json:"type"`
	Room  string `json:"room"`
	After *int64 `json:"after"` // nil: live only, no backlog
}

// encode renders ev for one variant.
func encode(ev *Event, variant string) []byte {
	b, _ := json.Marshal(wireEvent{Type: ev.Type, Room: ev.Room, Seq: ev.Seq, Data: ev.Data, HTML: ev.HTML[variant]})
	return b
}

func encodeControl(c control) []byte {
	b, _ := json.Marshal(c)
	return b
}
