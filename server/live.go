package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/locales"
	"chorus/realtime"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// The live layer: the forum service publishes through livePublisher, which
// renders each event once per (language, role) variant and hands it to the
// hub; browsers follow rooms over a websocket, or server-sent events where
// websockets are blocked. Changes still go through ordinary POSTs.

// liveRoles are the role variants events are rendered for.
var liveRoles = []string{"member", "facilitator"}

// variantOf names a connection's rendering variant.
func variantOf(base, role string) string { return base + "/" + role }

// easySuffix marks the Easy Read variants: "en+easy/member" is rendered with
// the Easy Read message set and pictograms, "ur+easy/member" with the Urdu
// words and the pictograms, as the pages themselves are.
const easySuffix = "+easy"

// liveBase is a connection's base variant: its language, and whether it
// reads Easy Read.
func liveBase(t *Tr) string {
	if t.Easy {
		return t.Lang.Tag + easySuffix
	}
	return t.Lang.Tag
}

// livePublisher implements forum.Publisher on the hub.
type livePublisher struct {
	s      *Server
	hub    *realtime.Hub
	counts *realtime.Coalescer
}

var _ forum.Publisher = (*livePublisher)(nil)

// NewLiveHub makes the hub that carries live events, numbered in log and
// shared with other instances through bus.
func (s *Server) newLive(log realtime.Log, bus realtime.Bus) (*livePublisher, error) {
	hub, err := realtime.NewHub(realtime.Config{Log: log, Bus: bus, Authorize: s.authorizeRoom, Render: s.renderEvent, Logger: s.log})
	if err != nil {
		return nil, err
	}
	lp := &livePublisher{s: s, hub: hub}
	// Counts are coalesced: at most two updates a second per room.
	lp.counts = realtime.NewCoalescer(500*time.Millisecond, func(key string, v any) {
		ev := v.(realtime.Event)
		ev.HTML = s.renderVariants(ev)
		if err := hub.Broadcast(context.Background(), ev); err != nil && err != realtime.ErrClosed {
			s.log.Warn("live count", "error", err.Error())
		}
	})
	return lp, nil
}

func (lp *livePublisher) Publish(ctx context.Context, room, typ string, data map[string]any) {
	raw, err := json.Marshal(data)
	if err != nil {
		lp.s.log.Error("live event", "error", err.Error())
		return
	}
	ev := realtime.Event{Type: typ, Room: room, Data: raw}
	if _, err := lp.hub.Publish(ctx, room, typ, raw, lp.s.renderVariants(ev)); err != nil {
		lp.s.log.Warn("live publish", "type", typ, "error", err.Error())
	}
}

func (lp *livePublisher) Count(ctx context.Context, room, typ string, data map[string]any) {
	raw, err := json.Marshal(data)
	if err != nil {
		lp.s.log.Error("live count", "error", err.Error())
		return
	}
	lp.counts.Set(room+"|"+typ, realtime.Event{Type: typ, Room: room, Data: raw})
}

// renderEvent renders the variants of an event read back from the log.
func (s *Server) renderEvent(ctx context.Context, ev realtime.Event) map[string]string {
	return s.renderVariants(ev)
}

// renderVariants renders an event's fragment once per (language, Easy Read
// on or off, role), so an Easy Read page keeps its words and pictograms
// when a fragment arrives. Event types without a fragment get none: clients
// use the data.
func (s *Server) renderVariants(ev realtime.Event) map[string]string {
	name := "live_" + strings.ReplaceAll(ev.Type, ".", "_")
	var data map[string]any
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		return nil
	}
	out := map[string]string{}
	for _, l := range locales.Languages {
		for _, easy := range []bool{false, true} {
			t := s.translatorFor(l.Tag, easy)
			for _, role := range liveRoles {
				var buf bytes.Buffer
				if err := s.engine.Render(&buf, name, map[string]any{"T": t, "Data": data, "Role": role}); err != nil {
					return nil // no fragment for this type
				}
				out[variantOf(liveBase(t), role)] = buf.String()
			}
		}
	}
	return out
}

// authorizeRoom says who may follow a room, and as whom: an issue's room
// whoever may see the issue; a forum's room anyone; a forum's moderation
// queue its facilitators; a meeting's room whoever may see the meeting. Those who facilitate the room's forum receive the
// facilitator's fragments (with moderation controls); everyone else the
// member's. base is the connection's language, with Easy Read or not.
func (s *Server) authorizeRoom(ctx context.Context, principal any, room, base string) (string, bool) {
	p, _ := principal.(*account.Principal)
	v := forum.Viewer{Principal: p}
	kind, id, _ := strings.Cut(room, ":")
	role := "member"
	switch kind {
	case "issue":
		fac, err := s.deps.Forums.CanSee(ctx, v, id)
		if err != nil {
			return "", false
		}
		if fac {
			role = "facilitator"
		}
	case "forum":
		if _, err := s.deps.Forums.Forum(ctx, id); err != nil {
			return "", false
		}
		if _, err := s.deps.Forums.CanFacilitate(ctx, v, id); err == nil {
			role = "facilitator"
		}
	case "moderation":
		if _, err := s.deps.Forums.CanFacilitate(ctx, v, id); err != nil {
			return "", false
		}
		role = "facilitator"
	case "meeting":
		// Whoever may see the meeting's page; its events carry no words,
		// only what changed, and each page fetches its own view.
		if s.deps.Steering == nil {
			return "", false
		}
		if _, err := s.deps.Steering.Meeting(ctx, p, id, ""); err != nil && !s.deps.Steering.FollowsByLink(ctx, id) {
			return "", false
		}
	default:
		return "", false
	}
	return variantOf(base, role), true
}

// pluralNames are the CLDR plural categories, as Intl.PluralRules names them.
var pluralNames = map[plural.Form]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one",
	plural.Two: "two", plural.Few: "few", plural.Many: "many"}

// Forms returns the forms of plural message id in this language as JSON,
// keyed by CLDR plural category ({"one":"Show {n} new comment","other":...}),
// with "{n}" where the count goes. The live script counts things the server
// never sees (comments waiting behind a button) and picks the form with
// Intl.PluralRules.
func (t *Tr) Forms(id string) string {
	tag := language.Make(t.Lang.Tag)
	forms := map[string]string{}
	for n := 0; n < 200 && len(forms) < len(pluralNames); n++ {
		name := pluralNames[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]
		if _, ok := forms[name]; ok {
			continue
		}
		msg, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": "{n}"}})
		if err != nil && msg == "" {
			msg = id
		}
		forms[name] = msg
	}
	b, _ := json.Marshal(forms)
	return string(b)
}

// liveGuard lets only same-origin websocket upgrades through (403 otherwise).
func (s *Server) liveGuard(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return fiber.ErrUpgradeRequired
	}
	if c.Get(fiber.HeaderOrigin) != s.origin(c) {
		return errOrigin
	}
	c.Locals("live.principal", principal(c))
	c.Locals("live.variant", liveBase(s.tr(c))) // refined per room by authorizeRoom
	return c.Next()
}

// handleLive serves the websocket.
func (s *Server) handleLive() fiber.Handler {
	cfg := realtime.WebsocketConfig("")
	cfg.Origins = nil // checked by liveGuard against this server's own origin
	return websocket.New(func(conn *websocket.Conn) {
		p, _ := conn.Locals("live.principal").(*account.Principal)
		variant, _ := conn.Locals("live.variant").(string)
		s.live.hub.ServeWS(conn, p, variant)
	}, cfg)
}

// handleLiveEvents serves one room as server-sent events, for networks that
// block websockets. It resumes after Last-Event-ID or ?after=.
func (s *Server) handleLiveEvents(c *fiber.Ctx) error {
	room := c.Query("room")
	var after *int64
	for _, v := range []string{c.Get("Last-Event-ID"), c.Query("after")} {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			after = &n
			break
		}
	}
	p := principal(c)
	variant := liveBase(s.tr(c)) // refined for the room by authorizeRoom
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	ctx := c.UserContext()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.live.hub.ServeSSE(ctx, w, w.Flush, p, variant, room, after); err != nil {
			s.log.Info("live stream ended", "error", err.Error())
		}
	})
	return nil
}

// endLive closes the live connections of the session a request belongs to,
// when that session ends (sign-out, quick exit).
func (s *Server) endLive(c *fiber.Ctx) {
	p := principal(c)
	if p == nil || p.Session == nil {
		return
	}
	hash := p.Session.IDHash
	s.live.hub.Disconnect(func(v any) bool {
		q, ok := v.(*account.Principal)
		return ok && q.Session != nil && q.Session.IDHash == hash
	})
}
