package realtime

// Stats are this instance's live-update figures, for metrics.
type Stats struct {
	Connections int   // clients connected (websocket and server-sent events)
	Rooms       int   // rooms watched by at least one of them
	Published   int64 // events numbered and published from this instance
	Dropped     int64 // clients cut off because they could not keep up
}

// Stats returns the hub's current figures.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Stats{Connections: len(h.clients), Rooms: len(h.rooms), Published: h.published.Load(), Dropped: h.dropped.Load()}
}
