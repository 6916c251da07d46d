package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain fails the run when goroutines outlive the tests. fasthttp's
// process-wide date updater and its worker pools' idle sweeper (which sleeps
// 10 s before noticing its server stopped), and the signal watcher that
// go test -fuzz starts, are not ours and are ignored.
func TestMain(m *testing.M) {
	before := liveGoroutines()
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(5 * time.Second)
		for len(liveGoroutines()) > len(before) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if now := liveGoroutines(); len(now) > len(before) {
			os.Stderr.WriteString("goroutine leak:\n" + strings.Join(now, "\n\n") + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// liveGoroutines returns the stacks of the goroutines that must not leak.
func liveGoroutines() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "fasthttp.updateServerDate") || strings.Contains(g, "fasthttp.(*workerPool).Start.func2") ||
			strings.Contains(g, "os/signal.signal_recv") {
			continue
		}
		out = append(out, g)
	}
	return out
}

var errFakeClosed = errors.New("fake: closed")
var errFakeTimeout = errors.New("fake: write timeout")

// fakeConn is an in-memory websocket: the test writes client messages to in
// and reads what the server wrote from out.
type fakeConn struct {
	in     chan []byte
	out    chan []byte
	closed chan struct{}
	once   sync.Once
	slow   bool // writes block until the write deadline

	mu        sync.Mutex
	closeCode int
	readLimit int64
	writeDL   time.Time
}

func newFakeConn() *fakeConn {
	return &fakeConn{in: make(chan []byte, 1024), out: make(chan []byte, 10000), closed: make(chan struct{})}
}

func (f *fakeConn) ReadMessage() (int, []byte, error) {
	select {
	case m := <-f.in:
		return TextMessage, m, nil
	case <-f.closed:
		return 0, nil, errFakeClosed
	}
}

func (f *fakeConn) WriteMessage(_ int, data []byte) error {
	if f.slow {
		f.mu.Lock()
		dl := f.writeDL
		f.mu.Unlock()
		select {
		case <-time.After(time.Until(dl)):
			return errFakeTimeout
		case <-f.closed:
			return errFakeClosed
		}
	}
	select {
	case <-f.closed:
		return errFakeClosed
	default:
	}
	select {
	case f.out <- append([]byte(nil), data...):
		return nil
	default:
		return errors.New("fake: out full")
	}
}

func (f *fakeConn) WriteControl(typ int, data []byte, _ time.Time) error {
	if typ == CloseMessage && len(data) >= 2 {
		f.mu.Lock()
		if f.closeCode == 0 {
			f.closeCode = int(data[0])<<8 | int(data[1])
		}
		f.mu.Unlock()
	}
	return nil
}

func (f *fakeConn) SetReadLimit(n int64)            { f.mu.Lock(); f.readLimit = n; f.mu.Unlock() }
func (f *fakeConn) SetReadDeadline(time.Time) error { return nil }
func (f *fakeConn) SetWriteDeadline(t time.Time) error {
	f.mu.Lock()
	f.writeDL = t
	f.mu.Unlock()
	return nil
}
func (f *fakeConn) SetPongHandler(func(string) error) {}
func (f *fakeConn) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}
func (f *fakeConn) code() int { f.mu.Lock(); defer f.mu.Unlock(); return f.closeCode }

// memLog is an in-memory Log; delay slows Since to widen races.
type memLog struct {
	mu    sync.Mutex
	rooms map[string][]Event
	delay time.Duration
}

func newMemLog() *memLog { return &memLog{rooms: map[string][]Event{}} }

func (l *memLog) Append(_ context.Context, room, typ string, data []byte) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	seq := int64(len(l.rooms[room]) + 1)
	l.rooms[room] = append(l.rooms[room], Event{Room: room, Type: typ, Seq: seq, Data: data})
	return seq, nil
}

func (l *memLog) Latest(_ context.Context, room string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.rooms[room])), nil
}

func (l *memLog) Since(_ context.Context, room string, after int64, limit int) ([]Event, error) {
	if l.delay > 0 {
		time.Sleep(l.delay)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.rooms[room] {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// msg is a decoded server message.
type msg struct {
	Type string          `json:"type"`
	Room string          `json:"room"`
	Seq  int64           `json:"seq"`
	Code string          `json:"code"`
	HTML string          `json:"html"`
	Data json.RawMessage `json:"data"`
}

type testClient struct {
	conn *fakeConn
	done chan struct{}
}

func connect(t *testing.T, h *Hub, principal any, variant string) *testClient {
	return connectConn(t, h, newFakeConn(), principal, variant)
}

func connectConn(t *testing.T, h *Hub, fc *fakeConn, principal any, variant string) *testClient {
	t.Helper()
	tc := &testClient{conn: fc, done: make(chan struct{})}
	go func() {
		defer close(tc.done)
		h.Serve(context.Background(), fc, principal, variant)
	}()
	t.Cleanup(func() { fc.Close(); <-tc.done })
	return tc
}

func (tc *testClient) send(t *testing.T, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	tc.conn.in <- b
}

func (tc *testClient) subscribe(t *testing.T, room string, after *int64) {
	t.Helper()
	m := map[string]any{"type": "subscribe", "room": room}
	if after != nil {
		m["after"] = *after
	}
	tc.send(t, m)
}

// next returns the next message other than presence.
func (tc *testClient) next(t *testing.T) msg {
	t.Helper()
	for {
		m := tc.nextAny(t)
		if m.Type != TypePresence {
			return m
		}
	}
}

func (tc *testClient) nextAny(t *testing.T) msg {
	t.Helper()
	select {
	case b := <-tc.conn.out:
		var m msg
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("bad message %s: %v", b, err)
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5 s")
		return msg{}
	}
}

// expect reads the next message and checks its type.
func (tc *testClient) expect(t *testing.T, typ string) msg {
	t.Helper()
	m := tc.next(t)
	if m.Type != typ {
		t.Fatalf("got %+v; want type %q", m, typ)
	}
	return m
}

// waitClosed waits for Serve to return and reports the close code sent.
func (tc *testClient) waitClosed(t *testing.T) int {
	t.Helper()
	select {
	case <-tc.done:
	case <-time.After(5 * time.Second):
		t.Fatal("connection not closed within 5 s")
	}
	return tc.conn.code()
}

func newTestHub(t *testing.T, cfg Config) *Hub {
	t.Helper()
	if cfg.Log == nil {
		cfg.Log = newMemLog()
	}
	if cfg.Bus == nil {
		cfg.Bus = NewLocalBus()
	}
	h, err := NewHub(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return h
}

func ptr(n int64) *int64 { return &n }
