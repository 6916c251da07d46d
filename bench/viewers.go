package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// audience is n websocket viewers of one room, each recording when every
// numbered benchmark message reached it.
type audience struct {
	viewers []*viewer
	got     []atomic.Int64 // per message: viewers that have it
	wg      sync.WaitGroup // reader goroutines
}

// viewer is one connection. Its fields are written only by its reader
// goroutine and read after that goroutine has ended.
type viewer struct {
	conn   *websocket.Conn
	recv   []time.Time  // when message k arrived (zero: never)
	counts []countSeen  // support counts shown, in arrival order
	shown  atomic.Int64 // the latest count, readable while the reader runs
}

// countSeen is a support count a viewer's screen showed from time at.
type countSeen struct {
	at    time.Time
	count int
}

// sourceIP spreads connections over a thousand loopback source addresses
// (127.0.0-3.1-250) so that runs of many thousand connections do not
// exhaust ephemeral ports.
var sourceIP atomic.Uint32

// dialer is a websocket client with small buffers, dialling from the next
// source address.
func dialer() *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   4096,
		WriteBufferSize:  1024,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			n := sourceIP.Add(1)
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(n/250%4), byte(1+n%250))}}
			return d.DialContext(ctx, network, addr)
		},
	}
}

// connect opens n viewers of wsURL, 64 handshakes at a time. When room is
// set, each subscribes to it (Chorus's protocol) and counts as connected
// once the server confirms; messages holds how many benchmark messages
// will be numbered.
func connect(wsURL, origin, room string, n, messages int) (*audience, time.Duration, error) {
	a := &audience{viewers: make([]*viewer, n), got: make([]atomic.Int64, messages)}
	d := dialer()
	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				v, err := openViewer(d, wsURL, origin, room, messages)
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("viewer %d: %w", i, err) })
					return
				}
				a.viewers[i] = v
				a.wg.Add(1)
				go a.read(v)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		a.close()
		return nil, 0, firstErr
	}
	return a, elapsed, nil
}

func openViewer(d *websocket.Dialer, wsURL, origin, room string, messages int) (*viewer, error) {
	conn, _, err := d.Dial(wsURL, http.Header{"Origin": {origin}})
	if err != nil {
		return nil, err
	}
	v := &viewer{conn: conn, recv: make([]time.Time, messages)}
	if room == "" {
		return v, nil
	}
	if err := conn.WriteJSON(map[string]string{"type": "subscribe", "room": room}); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("waiting to be subscribed: %w", err)
		}
		if bytes.Contains(msg, []byte(`"type":"subscribed"`)) {
			break
		}
		if bytes.Contains(msg, []byte(`"type":"error"`)) {
			conn.Close()
			return nil, fmt.Errorf("subscribe refused: %s", msg)
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	return v, nil
}

var (
	markerPrefix = []byte("bench-msg-")
	countType    = []byte(`"type":"support.count"`)
)

// read records each benchmark message and support count until the
// connection ends.
func (a *audience) read(v *viewer) {
	defer a.wg.Done()
	for {
		_, msg, err := v.conn.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		if k, ok := marker(msg); ok && k < len(v.recv) && v.recv[k].IsZero() {
			v.recv[k] = now
			a.got[k].Add(1)
		}
		if bytes.Contains(msg, countType) {
			var ev struct {
				Data struct{ Count int } `json:"data"`
			}
			if json.Unmarshal(msg, &ev) == nil {
				v.counts = append(v.counts, countSeen{now, ev.Data.Count})
				v.shown.Store(int64(ev.Data.Count))
			}
		}
	}
}

// marker finds the number k in "bench-msg-k-" inside a message.
func marker(msg []byte) (int, bool) {
	i := bytes.Index(msg, markerPrefix)
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(markerPrefix):]
	j := bytes.IndexByte(rest, '-')
	if j <= 0 {
		return 0, false
	}
	k, err := strconv.Atoi(string(rest[:j]))
	return k, err == nil
}

// markerText is message k's marker, as it appears in a comment or a frame.
func markerText(k int) string { return fmt.Sprintf("bench-msg-%d-", k) }

// close ends every connection and waits for the readers.
func (a *audience) close() {
	for _, v := range a.viewers {
		if v != nil {
			v.conn.Close()
		}
	}
	a.wg.Wait()
}

// broadcastResult is what one server did with the benchmark messages.
type broadcastResult struct {
	latencies []time.Duration // every (viewer, message) delivered
	lost      int
	cpuPerMsg time.Duration // server CPU per delivered message
}

// broadcast sends the audience's messages one at a time through send (which
// makes the server broadcast message k), waits for every viewer to have
// each (or 10 s), and measures latency from just before the send.
func (a *audience) broadcast(p *proc, send func(k int) error) (broadcastResult, error) {
	sent := make([]time.Time, len(a.got))
	cpu0 := p.cpu()
	for k := range a.got {
		sent[k] = time.Now()
		if err := send(k); err != nil {
			a.close()
			return broadcastResult{}, fmt.Errorf("message %d: %w", k, err)
		}
		for deadline := time.Now().Add(10 * time.Second); a.got[k].Load() < int64(len(a.viewers)) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // let the machine go quiet between messages
	}
	cpu := p.cpu() - cpu0
	a.close()
	var r broadcastResult
	for _, v := range a.viewers {
		for k, at := range v.recv {
			if at.IsZero() {
				r.lost++
				continue
			}
			r.latencies = append(r.latencies, at.Sub(sent[k]))
		}
	}
	if n := len(r.latencies); n > 0 {
		r.cpuPerMsg = cpu / time.Duration(n)
	}
	return r, nil
}

// roomResult is one server holding n viewers and broadcasting to them.
type roomResult struct {
	n          int
	memPerConn float64 // bytes of server RSS per connection
	upgrades   float64 // connections opened per second
	broadcastResult
}

// measureRoom connects n viewers to a freshly started server, reads its
// memory, then broadcasts to them.
func measureRoom(p *proc, wsURL, room string, n, messages int, send func(k int) error) (roomResult, error) {
	settle()
	rss0 := p.rss()
	a, took, err := connect(wsURL, p.base, room, n, messages)
	if err != nil {
		return roomResult{}, err
	}
	settle()
	r := roomResult{n: n, memPerConn: float64(p.rss()-rss0) / float64(n), upgrades: float64(n) / took.Seconds()}
	r.broadcastResult, err = a.broadcast(p, send)
	return r, err
}

// benchMessage is a 150-byte frame for the bare hub, the size PERFORMANCE.md's
// anchor figures were measured with.
func benchMessage(k int) []byte {
	head := `{"type":"comment.added","room":"issue:bench","seq":` + strconv.Itoa(k+1) + `,"data":{"body":"` + markerText(k)
	return []byte(head + strings.Repeat("x", 150-len(head)-3) + `"}}`)
}

// bareRoom measures the bare hub with n viewers.
func (r *runner) bareRoom(n int) (roomResult, error) {
	addr, err := freeAddr()
	if err != nil {
		return roomResult{}, err
	}
	p, _, err := startProc("barehub", r.self, []string{"barehub", "-addr", addr}, "http://"+addr, r.logPath(fmt.Sprintf("barehub-%d.log", n)))
	if err != nil {
		return roomResult{}, err
	}
	defer p.stop()
	send := func(k int) error {
		res, err := http.Post(p.base+"/broadcast", "application/json", bytes.NewReader(benchMessage(k)))
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			return fmt.Errorf("broadcast: %d", res.StatusCode)
		}
		return nil
	}
	return measureRoom(p, "ws://"+addr+"/ws", "", n, r.messages, send)
}

// chorusRoom measures Chorus with n viewers of one issue's room, each
// message being a comment posted through the ordinary form.
func (r *runner) chorusRoom(n int) (roomResult, error) {
	ch, err := r.chorus()
	if err != nil {
		return roomResult{}, err
	}
	addr, err := freeAddr()
	if err != nil {
		return roomResult{}, err
	}
	p, err := ch.start(addr, fmt.Sprintf("chorus-room-%d.log", n))
	if err != nil {
		return roomResult{}, err
	}
	defer p.stop()
	if err := ch.signInMember(p.base); err != nil {
		return roomResult{}, err
	}
	if _, err := ch.member.get("/issues/" + ch.liveIssue); err != nil {
		return roomResult{}, err
	}
	round := time.Now().UnixNano()
	send := func(k int) error {
		return ch.member.comment(ch.liveIssue, markerText(k)+" a comment every viewer should see at once.", fmt.Sprintf("bench-%d-%d", round, k))
	}
	return measureRoom(p, "ws://"+addr+"/live", "issue:"+ch.liveIssue, n, r.messages, send)
}
