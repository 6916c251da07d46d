package realtime

import (
	"sync"
	"time"
)

// Coalescer limits updates per key (a room's support count, its presence)
// to one per interval: the first goes out at once, later ones within the
// interval are held and only the latest value is sent when it ends.
type Coalescer struct {
	interval time.Duration
	fn       func(key string, v any)

	mu     sync.Mutex
	keys   map[string]*coalesced
	closed bool
}

type coalesced struct {
	last    time.Time
	pending bool
	value   any
	timer   *time.Timer
}

// NewCoalescer returns a coalescer calling fn at most once per interval per
// key. For "two updates a second" use 500 ms.
func NewCoalescer(interval time.Duration, fn func(key string, v any)) *Coalescer {
	return &Coalescer{interval: interval, fn: fn, keys: map[string]*coalesced{}}
}

// Set records v as the latest value for key.
func (c *Coalescer) Set(key string, v any) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	now := time.Now()
	k := c.keys[key]
	if k == nil {
		if len(c.keys) >= 1024 {
			c.prune(now)
		}
		k = &coalesced{}
		c.keys[key] = k
	}
	if !k.pending && now.Sub(k.last) >= c.interval {
		k.last = now
		c.mu.Unlock()
		c.fn(key, v)
		return
	}
	k.value = v
	if !k.pending {
		k.pending = true
		k.timer = time.AfterFunc(k.last.Add(c.interval).Sub(now), func() { c.fire(key, k) })
	}
	c.mu.Unlock()
}

func (c *Coalescer) fire(key string, k *coalesced) {
	c.mu.Lock()
	if c.closed || !k.pending {
		c.mu.Unlock()
		return
	}
	v := k.value
	k.pending, k.value, k.last = false, nil, time.Now()
	c.mu.Unlock()
	c.fn(key, v)
}

// prune forgets idle keys (c.mu held).
func (c *Coalescer) prune(now time.Time) {
	for key, k := range c.keys {
		if !k.pending && now.Sub(k.last) >= c.interval {
			delete(c.keys, key)
		}
	}
}

// Close drops pending values and stops every timer.
func (c *Coalescer) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, k := range c.keys {
		if k.timer != nil {
			k.timer.Stop()
		}
	}
}
