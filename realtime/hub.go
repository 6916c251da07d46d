package realtime

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Hub. Log and Bus are required.
type Config struct {
	Log       Log
	Bus       Bus
	Authorize Authorizer // nil allows every room
	Render    Renderer   // renders variants of events read back from the Log
	Logger    *slog.Logger

	BufferSize  int // recent events kept per watched room (default 128)
	ReloadAfter int // a resuming client missing more events than this is told to reload (default 100)
	QueueSize   int // frames queued per connection before it is cut off as slow (default 256)
	MaxRooms    int // rooms one connection may join (default 16)

	ReadLimit    int64         // bytes per client message (default 64 KiB)
	MsgRate      float64       // client messages per second allowed on average (default 5)
	MsgBurst     int           // client messages allowed in a burst (default 20)
	PongWait     time.Duration // idle time before a silent connection is dropped (default 60 s)
	PingInterval time.Duration // (default 9/10 of PongWait)
	WriteWait    time.Duration // deadline for one write (default 10 s)
	Heartbeat    time.Duration // SSE comment interval (default 15 s)
	PresenceRate time.Duration // minimum interval between presence updates per room (default 1 s)
	// PresenceShare is how often this instance repeats its viewer counts to
	// the others on the Bus (default 10 s); an instance silent for three
	// intervals no longer counts.
	PresenceShare time.Duration
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.BufferSize, 128)
	def(&c.ReloadAfter, 100)
	def(&c.QueueSize, 256)
	def(&c.MaxRooms, 16)
	def(&c.MsgBurst, 20)
	if c.QueueSize < c.ReloadAfter+16 {
		c.QueueSize = c.ReloadAfter + 16 // a full backlog must fit
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 64 << 10
	}
	if c.MsgRate <= 0 {
		c.MsgRate = 5
	}
	if c.PongWait <= 0 {
		c.PongWait = 60 * time.Second
	}
	if c.PingInterval <= 0 || c.PingInterval >= c.PongWait {
		c.PingInterval = c.PongWait * 9 / 10
	}
	if c.WriteWait <= 0 {
		c.WriteWait = 10 * time.Second
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.PresenceRate <= 0 {
		// Once a second: while thousands join a room, every update goes
		// to everyone already in it.
		c.PresenceRate = time.Second
	}
	if c.PresenceShare <= 0 {
		c.PresenceShare = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Authorize == nil {
		c.Authorize = func(_ context.Context, _ any, _, base string) (string, bool) { return base, true }
	}
}

// ErrClosed is returned once the hub has shut down.
var ErrClosed = errors.New("realtime: hub closed")

// Hub keeps rooms and their viewers on this instance. Publish stores an event
// in the Log and sends it on the Bus; what the Bus brings is delivered to the
// room's viewers in sequence order, each exactly once.
type Hub struct {
	cfg   Config
	unsub func()

	marshals atomic.Int64 // event encodings, for tests: once per variant, not per connection

	published, dropped atomic.Int64 // events published here; clients cut off as too slow (stats.go)

	pubLocks [64]sync.Mutex // serialise Append+Publish per room on this instance

	mu      sync.Mutex
	rooms   map[string]*room
	clients map[*Client]struct{}
	closed  bool
	done    chan struct{}
	wg      sync.WaitGroup // connections being served

	presence *Coalescer // this instance's presence updates, per room
	pres     *presence  // viewers on the other instances
}

// room is one watched room. sendMu orders deliveries (and the end of a
// catch-up) so that every subscriber sees events in sequence; mu guards the
// subscriber list and buffer and is never held while sending.
type room struct {
	name    string
	sendMu  sync.Mutex
	mu      sync.Mutex
	subs    []*sub // copy on write
	joining int    // catch-ups in progress (guarded by Hub.mu)
	buf     []Event
	last    int64 // highest seq delivered here (or known to exist)
	known   bool  // last is known: deliveries after it are checked for gaps
	// shown is the viewer count last sent to the room; newcomers: someone
	// joined since, who has not been sent it.
	shown     int
	newcomers bool
}

// sub is one client in one room. lastSent is guarded by room.sendMu.
type sub struct {
	c        *Client
	lastSent int64
	variant  string // which fragments this subscriber receives in this room
}

// NewHub starts a hub delivering what cfg.Bus brings.
func NewHub(cfg Config) (*Hub, error) {
	if cfg.Log == nil || cfg.Bus == nil {
		return nil, errors.New("realtime: Log and Bus are required")
	}
	cfg.defaults()
	h := &Hub{cfg: cfg, rooms: map[string]*room{}, clients: map[*Client]struct{}{}, done: make(chan struct{}), pres: newPresence()}
	h.presence = NewCoalescer(cfg.PresenceRate, h.sendPresence)
	unsub, err := cfg.Bus.Subscribe(h.deliver)
	if err != nil {
		return nil, err
	}
	h.unsub = unsub
	return h, nil
}

// Publish numbers an event in the Log and sends it to every instance's
// viewers of room. html holds the fragment per variant (may be nil). The
// event is stored even when the bus fails; viewers then get it on their next
// resume or with the room's next event.
func (h *Hub) Publish(ctx context.Context, room, typ string, data []byte, html map[string]string) (int64, error) {
	if h.isClosed() {
		return 0, ErrClosed
	}
	f := fnv.New32a()
	f.Write([]byte(room))
	l := &h.pubLocks[f.Sum32()%uint32(len(h.pubLocks))]
	l.Lock()
	defer l.Unlock()
	seq, err := h.cfg.Log.Append(ctx, room, typ, data)
	if err != nil {
		return 0, err
	}
	h.published.Add(1)
	return seq, h.cfg.Bus.Publish(ctx, Event{Type: typ, Room: room, Seq: seq, Data: data, HTML: html})
}

// Broadcast sends an ephemeral event (not stored, not resumable: Seq is
// ignored) to every instance's viewers of ev.Room, e.g. a coalesced count.
func (h *Hub) Broadcast(ctx context.Context, ev Event) error {
	if h.isClosed() {
		return ErrClosed
	}
	ev.Seq = 0
	return h.cfg.Bus.Publish(ctx, ev)
}

func (h *Hub) isClosed() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

// deliver hands an event from the bus to this instance's viewers.
func (h *Hub) deliver(ev Event) {
	if ev.Type == typePresenceShare {
		h.heardShare(ev)
		return
	}
	h.mu.Lock()
	r := h.rooms[ev.Room]
	h.mu.Unlock()
	if r == nil {
		return // nobody watches it here
	}
	if ev.Seq <= 0 {
		r.mu.Lock()
		subs := r.subs
		r.mu.Unlock()
		sendAll(subs, []Event{ev}, false)
		return
	}
	r.sendMu.Lock()
	defer r.sendMu.Unlock()
	r.mu.Lock()
	last, known := r.last, r.known
	r.mu.Unlock()
	if known && ev.Seq <= last {
		return // already delivered (a gap fill got it first)
	}
	evs := []Event{ev}
	if known && ev.Seq > last+1 {
		// A gap: the missing events are in the Log already (they were
		// numbered before this one), on their way from another publisher.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		missing, err := h.cfg.Log.Since(ctx, ev.Room, last, int(ev.Seq-last-1))
		if err != nil {
			h.cfg.Logger.Warn("realtime: gap fill failed", slog.String("room", ev.Room), slog.String("error", err.Error()))
		}
		var fill []Event
		for _, m := range missing {
			if m.Seq > last && m.Seq < ev.Seq {
				if h.cfg.Render != nil {
					m.HTML = h.cfg.Render(ctx, m)
				}
				fill = append(fill, m)
			}
		}
		cancel()
		evs = append(fill, ev)
	}
	r.mu.Lock()
	for _, e := range evs {
		r.push(e, h.cfg.BufferSize)
	}
	subs := r.subs
	r.mu.Unlock()
	sendAll(subs, evs, true)
}

// push appends e to the buffer (guarded by r.mu).
func (r *room) push(e Event, size int) {
	if len(r.buf) > 0 && e.Seq != r.buf[len(r.buf)-1].Seq+1 {
		r.buf = r.buf[:0] // never keep a buffer with a hole
	}
	r.buf = append(r.buf, e)
	if len(r.buf) > size {
		n := copy(r.buf, r.buf[len(r.buf)-size:])
		r.buf = r.buf[:n]
	}
	r.last, r.known = e.Seq, true
}

// sendAll queues evs to subs, encoding each event once per variant.
// With ordered set the caller holds the room's sendMu.
func sendAll(subs []*sub, evs []Event, ordered bool) {
	for i := range evs {
		ev := &evs[i]
		frames := map[string]*frame{}
		for _, s := range subs {
			if ordered {
				if ev.Seq <= s.lastSent {
					continue
				}
				s.lastSent = ev.Seq
			}
			f := frames[s.variant]
			if f == nil {
				f = &frame{seq: ev.Seq, typ: ev.Type, data: encode(ev, s.variant)}
				frames[s.variant] = f
				s.c.hub.marshals.Add(1)
			}
			s.c.send(f)
		}
	}
}

// subscribe joins c to roomName, first sending what it missed after *after
// (nil: nothing, live only). It answers with "subscribed", "reload" or
// "error" on c.
func (h *Hub) subscribe(ctx context.Context, c *Client, roomName string, after *int64) {
	if roomName == "" || len(roomName) > 200 {
		c.sendControl(control{Type: TypeError, Room: roomName, Code: ErrCodeBadRequest})
		return
	}
	variant, ok := h.cfg.Authorize(ctx, c.principal, roomName, c.variant)
	if !ok {
		c.sendControl(control{Type: TypeError, Room: roomName, Code: ErrCodeForbidden})
		return
	}
	if !c.reserveRoom(roomName, h.cfg.MaxRooms) {
		c.sendControl(control{Type: TypeError, Room: roomName, Code: ErrCodeTooManyRooms})
		return
	}
	joined := false
	defer func() {
		if !joined {
			c.releaseRoom(roomName)
		}
	}()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	r := h.rooms[roomName]
	if r == nil {
		r = &room{name: roomName}
		h.rooms[roomName] = r
	}
	r.joining++
	h.mu.Unlock()
	defer h.leaveJoining(r)

	if after == nil {
		r.sendMu.Lock()
		r.mu.Lock()
		s := &sub{c: c, lastSent: r.last, variant: variant}
		r.addSub(s)
		r.mu.Unlock()
		c.setSub(roomName, s)
		c.sendControl(control{Type: TypeOK, Room: roomName, Seq: s.lastSent})
		r.sendMu.Unlock()
		joined = true
		h.presenceChanged(r)
		return
	}
	cursor := max(*after, 0)
	verified := false // cursor is the Log's last event, not just the client's word
	var backlog []Event
	for attempt := 0; attempt < 4; attempt++ {
		r.sendMu.Lock()
		r.mu.Lock()
		covered := r.known && (cursor >= r.last || (len(r.buf) > 0 && r.buf[0].Seq <= cursor+1))
		if covered || (attempt > 0 && !r.known) {
			if !r.known && verified {
				// The Log says cursor is the room's last event: later
				// deliveries can be checked for gaps from here.
				r.last, r.known = cursor, true
			}
			for _, e := range r.buf {
				if e.Seq > cursor {
					backlog = append(backlog, e)
				}
			}
			if len(backlog) > h.cfg.ReloadAfter {
				r.mu.Unlock()
				r.sendMu.Unlock()
				c.sendControl(control{Type: TypeReload, Room: roomName})
				return
			}
			s := &sub{c: c, lastSent: *after, variant: variant}
			r.addSub(s)
			r.mu.Unlock()
			c.setSub(roomName, s)
			sendAll([]*sub{s}, backlog, true)
			c.sendControl(control{Type: TypeOK, Room: roomName, Seq: s.lastSent})
			r.sendMu.Unlock()
			joined = true
			h.presenceChanged(r)
			return
		}
		r.mu.Unlock()
		r.sendMu.Unlock()
		limit := h.cfg.ReloadAfter + 1 - len(backlog)
		evs, err := h.cfg.Log.Since(ctx, roomName, cursor, limit)
		if err != nil {
			h.cfg.Logger.Warn("realtime: resume failed", slog.String("room", roomName), slog.String("error", err.Error()))
			c.sendControl(control{Type: TypeError, Room: roomName, Code: ErrCodeUnavailable})
			return
		}
		if len(evs) >= limit {
			c.sendControl(control{Type: TypeReload, Room: roomName})
			return
		}
		verified = len(evs) > 0 || cursor == 0
		for _, e := range evs {
			if e.Seq > cursor {
				if h.cfg.Render != nil {
					e.HTML = h.cfg.Render(ctx, e)
				}
				backlog = append(backlog, e)
				cursor = e.Seq
			}
		}
	}
	// The room moved faster than this client could catch up.
	c.sendControl(control{Type: TypeReload, Room: roomName})
}

func (r *room) addSub(s *sub) {
	subs := make([]*sub, 0, len(r.subs)+1)
	subs = append(subs, r.subs...)
	r.subs = append(subs, s)
	r.newcomers = true
}

func (h *Hub) leaveJoining(r *room) {
	h.mu.Lock()
	r.joining--
	h.dropIfEmpty(r)
	h.mu.Unlock()
}

// dropIfEmpty forgets an unwatched room (h.mu held).
func (h *Hub) dropIfEmpty(r *room) {
	r.mu.Lock()
	empty := len(r.subs) == 0 && r.joining == 0
	r.mu.Unlock()
	if empty && h.rooms[r.name] == r {
		delete(h.rooms, r.name)
	}
}

// unsubscribe removes c from roomName.
func (h *Hub) unsubscribe(c *Client, roomName string) {
	s := c.takeSub(roomName)
	if s == nil {
		return
	}
	h.mu.Lock()
	r := h.rooms[roomName]
	if r != nil {
		r.mu.Lock()
		subs := make([]*sub, 0, len(r.subs))
		for _, o := range r.subs {
			if o != s {
				subs = append(subs, o)
			}
		}
		r.subs = subs
		r.mu.Unlock()
		h.dropIfEmpty(r)
	}
	h.mu.Unlock()
	if r != nil {
		h.presenceChanged(r)
	}
}

// Viewers returns how many connections on this instance watch room.
func (h *Hub) Viewers(room string) int {
	h.mu.Lock()
	r := h.rooms[room]
	h.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.subs)
}

func (h *Hub) presenceChanged(r *room) { h.presence.Set(r.name, nil) }

// sendPresence shares this instance's viewer count of a room with the
// other instances when it changed, and sends the room's viewers the count
// on every instance (coalesced: at most one per PresenceRate per room;
// none when the count is what they were sent last and nobody new joined).
func (h *Hub) sendPresence(roomName string, _ any) {
	h.mu.Lock()
	r := h.rooms[roomName]
	h.mu.Unlock()
	var subs []*sub
	if r != nil {
		r.mu.Lock()
		subs = r.subs
		r.mu.Unlock()
	}
	if h.pres.toShare(roomName, len(subs)) {
		h.share(roomName, len(subs))
	}
	if len(subs) == 0 {
		return
	}
	total := len(subs) + h.pres.peerTotal(roomName)
	r.mu.Lock()
	same := total == r.shown && !r.newcomers
	r.shown, r.newcomers = total, false
	r.mu.Unlock()
	if same {
		return // every viewer shows this count already
	}
	ev := Event{Type: TypePresence, Room: roomName, Data: []byte(`{"count":` + itoa(total) + `}`)}
	if h.cfg.Render != nil {
		ctx, cancel := context.WithTimeout(context.Background(), h.cfg.WriteWait)
		ev.HTML = h.cfg.Render(ctx, ev)
		cancel()
	}
	sendAll(subs, []Event{ev}, false)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// register adds a connection; false once the hub is closed.
func (h *Hub) register(c *Client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	h.wg.Add(1)
	return true
}

func (h *Hub) unregister(c *Client) {
	for _, name := range c.roomNames() {
		h.unsubscribe(c, name)
	}
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	h.wg.Done()
}

// Disconnect closes (with 1008) every connection whose principal matches,
// e.g. the sockets of a session that just logged out, and reports how many.
func (h *Hub) Disconnect(match func(principal any) bool) int {
	h.mu.Lock()
	var hit []*Client
	for c := range h.clients {
		if match(c.principal) {
			hit = append(hit, c)
		}
	}
	h.mu.Unlock()
	for _, c := range hit {
		c.Close(ClosePolicy)
	}
	return len(hit)
}

// Shutdown closes every connection with 1001 (going away) and ends every
// SSE stream, then waits until they are gone or ctx ends.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	clients := make([]*Client, 0, len(h.clients))
	for c := range h.clients {
		clients = append(clients, c)
	}
	// Forget the rooms at once: leaving them one connection at a time
	// copies each room's subscriber list once per viewer (5,000 viewers:
	// 12 million copies), which held shutdown up for seconds.
	h.rooms = map[string]*room{}
	h.mu.Unlock()
	h.stopPresence()
	h.unshareAll()
	if h.unsub != nil {
		h.unsub()
	}
	h.presence.Close()
	for _, c := range clients {
		c.Close(CloseGoingAway)
	}
	waited := make(chan struct{})
	go func() { h.wg.Wait(); close(waited) }()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
