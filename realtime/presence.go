package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"sync"
	"time"
)

// Presence across instances: each hub shares, on the Bus, how many viewers
// each room has on this instance — when the number changes and again every
// PresenceShare while it is above zero — and adds what the other instances
// shared to its own count. An instance not heard of for three intervals (it
// crashed, or lost the bus) is forgotten. Shares travel on the Bus only and
// are never sent to clients.

// typePresenceShare is the bus message carrying one instance's viewer count
// of one room: data {"instance": id, "count": n}.
const typePresenceShare = "presence.share"

type presenceShare struct {
	Instance string `json:"instance"`
	Count    int    `json:"count"`
}

type peerCount struct {
	count int
	seen  time.Time
}

// presence is a hub's view of the rooms' viewers on other instances.
type presence struct {
	id string // this instance

	mu     sync.Mutex
	shared map[string]int                  // room → count last shared (absent: 0)
	force  map[string]bool                 // rooms to share again though unchanged: a peer just appeared
	peers  map[string]map[string]peerCount // room → instance → its count

	// A timer, not a goroutine, refreshes shares and expires peers, and only
	// while there is something to refresh or expire.
	timer   *time.Timer
	armed   bool
	stopped bool
	ticks   sync.WaitGroup // a tick armed or running
}

func newPresence() *presence {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &presence{id: hex.EncodeToString(b[:]), shared: map[string]int{}, force: map[string]bool{}, peers: map[string]map[string]peerCount{}}
}

// peerTotal is the number of viewers of room on other instances.
func (p *presence) peerTotal(room string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, pc := range p.peers[room] {
		n += pc.count
	}
	return n
}

// toShare reports whether local (this instance's viewers of room) must be
// shared now, and records it as shared.
func (p *presence) toShare(room string, local int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev, forced := p.shared[room], p.force[room]
	delete(p.force, room)
	if local == prev && (!forced || local == 0) {
		return false
	}
	if local == 0 {
		delete(p.shared, room)
	} else {
		p.shared[room] = local
	}
	return true
}

// heard records a peer's share and reports whether the room's total changed.
func (p *presence) heard(room string, s presenceShare, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.peers[room]
	old, known := m[s.Instance]
	if s.Count <= 0 {
		if !known {
			return false
		}
		delete(m, s.Instance)
		if len(m) == 0 {
			delete(p.peers, room)
		}
		return true
	}
	if m == nil {
		m = map[string]peerCount{}
		p.peers[room] = m
	}
	m[s.Instance] = peerCount{count: s.Count, seen: now}
	if !known && p.shared[room] > 0 {
		// A newcomer learns this instance's count now rather than at the
		// next refresh.
		p.force[room] = true
		return true
	}
	return !known || old.count != s.Count
}

// expire forgets peers not heard of since before, returning the rooms whose
// totals changed, and lists this instance's non-zero counts to refresh.
func (p *presence) expire(before time.Time) (changed []string, refresh map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for room, m := range p.peers {
		for inst, pc := range m {
			if pc.seen.Before(before) {
				delete(m, inst)
				changed = append(changed, room)
			}
		}
		if len(m) == 0 {
			delete(p.peers, room)
		}
	}
	refresh = make(map[string]int, len(p.shared))
	for room, n := range p.shared {
		refresh[room] = n
	}
	return changed, refresh
}

// share publishes this instance's count of room's viewers on the bus.
func (h *Hub) share(room string, count int) {
	if count > 0 {
		h.armPresence() // to repeat it while it lasts
	}
	data, _ := json.Marshal(presenceShare{Instance: h.pres.id, Count: count})
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.WriteWait)
	defer cancel()
	if err := h.cfg.Bus.Publish(ctx, Event{Type: typePresenceShare, Room: room, Data: data}); err != nil {
		h.cfg.Logger.Warn("realtime: presence share failed", slog.String("room", room), slog.String("error", err.Error()))
	}
}

// heardShare takes a presence share from the bus.
func (h *Hub) heardShare(ev Event) {
	var s presenceShare
	if json.Unmarshal(ev.Data, &s) != nil || s.Instance == "" || s.Instance == h.pres.id {
		return
	}
	if h.pres.heard(ev.Room, s, time.Now()) {
		h.presence.Set(ev.Room, nil)
	}
	if s.Count > 0 {
		h.armPresence() // to forget it if it falls silent
	}
}

// armPresence makes sure a presence tick comes within PresenceShare.
func (h *Hub) armPresence() {
	p := h.pres
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.armed || p.stopped {
		return
	}
	p.armed = true
	p.ticks.Add(1)
	p.timer = time.AfterFunc(h.cfg.PresenceShare, h.presenceTick)
}

// presenceTick refreshes this instance's shares and forgets silent peers,
// then arms the next tick while either remains.
func (h *Hub) presenceTick() {
	p := h.pres
	defer p.ticks.Done()
	changed, refresh := p.expire(time.Now().Add(-3 * h.cfg.PresenceShare))
	for room, n := range refresh {
		h.share(room, n)
	}
	for _, room := range changed {
		h.presence.Set(room, nil)
	}
	p.mu.Lock()
	p.armed = false
	busy := len(p.shared) > 0 || len(p.peers) > 0
	p.mu.Unlock()
	if busy {
		h.armPresence()
	}
}

// stopPresence stops the ticks and waits for one that is running.
func (h *Hub) stopPresence() {
	p := h.pres
	p.mu.Lock()
	p.stopped = true
	if p.armed && p.timer.Stop() {
		p.armed = false
		p.ticks.Done() // it will never run
	}
	p.mu.Unlock()
	p.ticks.Wait()
}

// unshareAll tells the other instances this one has no viewers any more
// (at shutdown), so they need not wait for its counts to expire.
func (h *Hub) unshareAll() {
	_, rooms := h.pres.expire(time.Time{})
	for room := range rooms {
		if h.pres.toShare(room, 0) {
			h.share(room, 0)
		}
	}
}
