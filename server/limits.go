package server

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// perIP counts what each address does in a fixed window, in this instance's
// memory only: SECURITY.md keeps per-IP limits off disk and out of logs. A
// new window forgets every address, so the map never outgrows one window's
// visitors.
type perIP struct {
	max    int
	window time.Duration
	mu     sync.Mutex
	start  time.Time
	seen   map[string]int
}

func newPerIP(max int, window time.Duration) *perIP {
	return &perIP{max: max, window: window, seen: map[string]int{}}
}

// allow counts one more from ip and reports whether it is within the limit.
func (l *perIP) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window {
		l.start = now
		clear(l.seen)
	}
	if l.seen[ip] >= l.max {
		return false
	}
	l.seen[ip]++
	return true
}

// submitted counts one anonymous submission, report or quiet-voice question
// from the request's address and refuses it (errTooMany, which the forms
// show beside what was typed) past the hourly limit. Signed-in members'
// named issues are not counted: their account answers for them.
func (s *Server) submitted(c *fiber.Ctx) error {
	if !s.submits.allow(c.IP(), time.Now()) {
		return errTooMany
	}
	return nil
}
