package forum

import (
	"context"
	"sync"
)

// countReads shares the reading of an issue's support count among the
// supports that change it at the same moment. During a live event dozens
// of supports of one issue are stored together (the embedded store commits
// them in one transaction); each needs the count afterwards, for its answer
// and for the viewers. One read that began after a support was stored
// includes it, so a support that finds a read already under way (which may
// have begun before it was stored) waits for the next one, and that one
// serves every support that arrived meanwhile: at most two reads per issue
// at a time instead of one per support.
//
// The reads of an issue also run one at a time, and each announces its
// count before the next begins, so the counts reach the publisher in the
// order they were read: the last announced is never older than the last
// support.
type countReads struct {
	mu     sync.Mutex
	issues map[string]*countQueue
}

// countQueue is an issue's read under way and the one waiting to begin.
type countQueue struct {
	running, next *countRead
}

type countRead struct {
	done chan struct{}
	n    int
	err  error
}

// read returns the count of an issue from a read that begins after the
// call, running fn (which reads and announces it) or sharing another
// caller's run of it.
func (c *countReads) read(ctx context.Context, issueID string, fn func(ctx context.Context) (int, error)) (int, error) {
	c.mu.Lock()
	if c.issues == nil {
		c.issues = map[string]*countQueue{}
	}
	q := c.issues[issueID]
	if q == nil {
		q = &countQueue{}
		c.issues[issueID] = q
	}
	var r *countRead
	switch {
	case q.running == nil:
		r = &countRead{done: make(chan struct{})}
		q.running = r
		c.mu.Unlock()
	case q.next != nil:
		r = q.next
		c.mu.Unlock()
		<-r.done
		return r.n, r.err
	default: // the first to wait for the next read runs it
		r = &countRead{done: make(chan struct{})}
		q.next = r
		prev := q.running
		c.mu.Unlock()
		<-prev.done // the previous read handed over: r is running now
	}
	// Not the caller's cancellation: others wait on this read.
	r.n, r.err = fn(context.WithoutCancel(ctx))
	c.mu.Lock()
	q.running, q.next = q.next, nil
	if q.running == nil {
		delete(c.issues, issueID)
	}
	c.mu.Unlock()
	close(r.done)
	return r.n, r.err
}
