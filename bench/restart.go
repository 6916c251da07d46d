package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// benchRestart holds viewers of an issue whose browsers resume as
// docs/realtime.md says (backoff with jitter, subscribe after the last
// seq), restarts Chorus under them, and posts a comment the moment it is
// back: PERFORMANCE.md target 6 (all back and resumed within 10 s, nothing
// missed).
func (r *runner) benchRestart() error {
	n := r.sizes[min(1, len(r.sizes)-1)] // 5,000 in a full run
	ch, err := r.chorus()
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	p, err := ch.start(addr, "chorus-restart-1.log")
	if err != nil {
		return err
	}
	defer func() { p.stop() }()
	if err := ch.signInMember(p.base); err != nil {
		return err
	}
	page, err := ch.member.get("/issues/" + ch.liveIssue)
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`data-live-seq="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("the issue page carries no data-live-seq")
	}
	seq, _ := strconv.ParseInt(m[1], 10, 64)

	step("restart: %d resuming viewers, chorus restarted under them", n)
	rs := &resumers{url: "ws://" + addr + "/live", origin: p.base, room: "issue:" + ch.liveIssue, stop: make(chan struct{})}
	for range n {
		rs.start(seq)
	}
	for deadline := time.Now().Add(60 * time.Second); rs.subscribed.Load() < int64(n); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			rs.close()
			return fmt.Errorf("restart: %d of %d viewers subscribed", rs.subscribed.Load(), n)
		}
	}
	round := time.Now().UnixNano()
	comment := func(k int) error {
		return ch.member.comment(ch.liveIssue, markerText(k)+" posted around a restart", fmt.Sprintf("restart-%d-%d", round, k))
	}
	if err := comment(0); err != nil {
		rs.close()
		return err
	}
	rs.waitFor(0, n, 10*time.Second)

	down := time.Now()
	rs.subscribed.Store(0)
	p.stop()
	if p, err = ch.start(addr, "chorus-restart-2.log"); err != nil {
		rs.close()
		return err
	}
	up := time.Since(down)
	if err := comment(1); err != nil { // the session outlives the restart: it is in the store
		rs.close()
		return err
	}
	rs.waitFor(1, n, 30*time.Second)
	for deadline := time.Now().Add(30 * time.Second); rs.subscribed.Load() < int64(n) && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	back := time.Since(down)
	got, resumed := rs.got[1].Load(), rs.subscribed.Load()
	rs.close()

	t := &r.table
	t.info("server down during restart", ms(msOf(up)), "", "")
	t.check(fmt.Sprintf("restart: all %d viewers back, resumed and up to date", n), ms(msOf(back)), "", "", "≤ 10 s", got == int64(n) && resumed == int64(n) && back <= 10*time.Second)
	t.check("restart: events missed, repeated or out of order", fmt.Sprint(int64(n)-got+rs.faults.Load()), "", "", "0", got == int64(n) && rs.faults.Load() == 0)
	return nil
}

// resumers are viewers that reconnect and resume like the browser script.
type resumers struct {
	url, origin, room string
	stop              chan struct{}
	wg                sync.WaitGroup
	subscribed        atomic.Int64    // confirmed subscriptions since last reset
	got               [2]atomic.Int64 // viewers holding benchmark message k
	faults            atomic.Int64    // gaps, repeats, reloads, refusals
}

// start runs one viewer that has seen events up to seq.
func (rs *resumers) start(seq int64) {
	rs.wg.Add(1)
	go func() {
		defer rs.wg.Done()
		d := dialer()
		var have [2]bool
		restartTries := 0 // as static/app.js: after a 1001 with a reason, come back soon
		for attempt := 0; ; attempt++ {
			var wait time.Duration
			switch {
			case restartTries == 1:
				wait = 200*time.Millisecond + time.Duration(rand.Float64()*float64(time.Second))
			case restartTries > 1 && restartTries < 30:
				wait = 500*time.Millisecond + time.Duration(rand.Float64()*float64(time.Second))
			case attempt > 0:
				backoff := min(30*time.Second, 500*time.Millisecond<<min(attempt-1, 6))
				wait = time.Duration(float64(backoff) * (0.5 + rand.Float64()))
			}
			if wait > 0 {
				select {
				case <-time.After(wait):
				case <-rs.stop:
					return
				}
			}
			conn, _, err := d.Dial(rs.url, http.Header{"Origin": {rs.origin}})
			if err != nil {
				if restartTries > 0 && restartTries < 30 {
					restartTries++
				}
				continue
			}
			go func() { <-rs.stop; conn.Close() }()
			restartTries = 0
			confirmed, restarting := rs.follow(conn, &seq, &have)
			if confirmed {
				attempt = 0
			}
			if restarting {
				restartTries = 1
			}
			conn.Close()
			select {
			case <-rs.stop:
				return
			default:
			}
		}
	}()
}

// follow subscribes after *seq and reads until the connection ends,
// checking that sequence numbers run on without gap or repeat. It reports
// whether the subscription was confirmed, and whether the server closed
// saying it is restarting (1001 with a reason).
func (rs *resumers) follow(conn *websocket.Conn, seq *int64, have *[2]bool) (confirmed, restarting bool) {
	if conn.WriteJSON(map[string]any{"type": "subscribe", "room": rs.room, "after": *seq}) != nil {
		return false, false
	}
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			return confirmed, errors.As(err, &ce) && ce.Code == websocket.CloseGoingAway && ce.Text != ""
		}
		var ev struct {
			Type string `json:"type"`
			Seq  int64  `json:"seq"`
		}
		if json.Unmarshal(msg, &ev) != nil {
			continue
		}
		switch ev.Type {
		case "subscribed":
			confirmed = true
			rs.subscribed.Add(1)
		case "reload", "error":
			rs.faults.Add(1)
		case "presence", "support.count":
		default:
			if ev.Seq != *seq+1 {
				rs.faults.Add(1)
			}
			*seq = max(*seq, ev.Seq)
			if k, ok := marker(msg); ok && k < len(have) && !have[k] {
				have[k] = true
				rs.got[k].Add(1)
			}
		}
	}
}

// waitFor waits until n viewers hold message k, or for timeout.
func (rs *resumers) waitFor(k, n int, timeout time.Duration) {
	for deadline := time.Now().Add(timeout); rs.got[k].Load() < int64(n) && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
}

func (rs *resumers) close() {
	close(rs.stop)
	rs.wg.Wait()
}
