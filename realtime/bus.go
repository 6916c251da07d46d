package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/nats-io/nats.go"
)

// Bus carries events between instances. The hub publishes every event to
// the bus and delivers to its viewers only what the bus brings back, so each
// event reaches each viewer once whichever instance published it.
type Bus interface {
	Publish(ctx context.Context, ev Event) error
	// Subscribe registers handler for every event published on the bus (by
	// any instance, this one included). Handlers of one subscription are
	// called one at a time, in publish order per publisher.
	Subscribe(handler func(Event)) (unsubscribe func(), err error)
}

// LocalBus is the in-process bus of a single instance.
type LocalBus struct {
	mu       sync.RWMutex
	handlers map[int]func(Event)
	next     int
}

// NewLocalBus returns an in-process bus.
func NewLocalBus() *LocalBus { return &LocalBus{handlers: map[int]func(Event){}} }

// Publish calls every handler synchronously.
func (b *LocalBus) Publish(_ context.Context, ev Event) error {
	b.mu.RLock()
	hs := make([]func(Event), 0, len(b.handlers))
	for _, h := range b.handlers {
		hs = append(hs, h)
	}
	b.mu.RUnlock()
	for _, h := range hs {
		h(ev)
	}
	return nil
}

// Subscribe registers handler.
func (b *LocalBus) Subscribe(handler func(Event)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.handlers[id] = handler
	return func() {
		b.mu.Lock()
		delete(b.handlers, id)
		b.mu.Unlock()
	}, nil
}

// DefaultSubject is the NATS subject events travel on.
const DefaultSubject = "chorus.realtime"

// NATSBus carries events between instances through a NATS server.
type NATSBus struct {
	nc      *nats.Conn
	subject string
}

// NewNATSBus wraps a connection; subject "" means DefaultSubject. The caller
// keeps ownership of nc (drain it at shutdown).
func NewNATSBus(nc *nats.Conn, subject string) *NATSBus {
	if subject == "" {
		subject = DefaultSubject
	}
	return &NATSBus{nc: nc, subject: subject}
}

// Publish sends ev to every instance, this one included.
func (b *NATSBus) Publish(_ context.Context, ev Event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return b.nc.Publish(b.subject, data)
}

// Subscribe delivers every event on the subject to handler, one at a time.
func (b *NATSBus) Subscribe(handler func(Event)) (func(), error) {
	sub, err := b.nc.Subscribe(b.subject, func(m *nats.Msg) {
		var ev Event
		if json.Unmarshal(m.Data, &ev) != nil || ev.Room == "" {
			return
		}
		handler(ev)
	})
	if err != nil {
		return nil, err
	}
	// Make sure the server knows the subscription before the first publish.
	if err := b.nc.Flush(); err != nil {
		return nil, errors.Join(err, sub.Unsubscribe())
	}
	return func() { _ = sub.Unsubscribe() }, nil
}
