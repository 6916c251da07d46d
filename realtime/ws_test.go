package realtime

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	fiberws "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
)

const testOrigin = "http://chorus.test"

// startWS serves h at /ws on 127.0.0.1:0 through Fiber and returns the URL.
func startWS(t *testing.T, h *Hub) string {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use("/ws", UpgradeGuard(testOrigin))
	app.Get("/ws", fiberws.New(func(c *fiberws.Conn) {
		h.ServeWS(c, c.Query("user"), c.Query("variant", "en/member"))
	}, WebsocketConfig(testOrigin)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return "ws://" + ln.Addr().String() + "/ws"
}

func dial(t *testing.T, url, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(url, http.Header{"Origin": {origin}})
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, resp, err
}

func readMsg(t *testing.T, c *websocket.Conn) (string, error) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.ReadMessage()
	return string(b), err
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

func TestServeWSRealClients(t *testing.T) {
	h, err := NewHub(Config{Log: newMemLog(), Bus: NewLocalBus()})
	if err != nil {
		t.Fatal(err)
	}
	url := startWS(t, h)

	t.Run("ForeignOriginRefused", func(t *testing.T) {
		_, resp, err := dial(t, url, "http://evil.test")
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("dial from another origin: %v, %v; want 403", resp, err)
		}
	})
	t.Run("DeliveryAndResume", func(t *testing.T) {
		var clients []*websocket.Conn
		for range 3 {
			c, _, err := dial(t, url, testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","room":"issue:ws","after":0}`)); err != nil {
				t.Fatal(err)
			}
			if m, err := readMsg(t, c); err != nil || !strings.Contains(m, `"subscribed"`) {
				t.Fatalf("got %s, %v; want subscribed", m, err)
			}
			clients = append(clients, c)
		}
		publishN(t, h, "issue:ws", 1, 3)
		for _, c := range clients {
			for i := 1; i <= 3; i++ {
				m, err := readMsg(t, c)
				for err == nil && strings.Contains(m, `"presence"`) {
					m, err = readMsg(t, c)
				}
				if err != nil || !strings.Contains(m, `"seq":`+itoa(i)+`,`) {
					t.Fatalf("got %s, %v; want seq %d", m, err, i)
				}
			}
		}
		clients[0].Close() // forced disconnect after seq 3
		publishN(t, h, "issue:ws", 4, 5)
		c, _, err := dial(t, url, testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","room":"issue:ws","after":3}`))
		var got []string
		for len(got) < 3 {
			m, err := readMsg(t, c)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(m, `"presence"`) {
				got = append(got, m)
			}
		}
		if !strings.Contains(got[0], `"seq":4,`) || !strings.Contains(got[1], `"seq":5,`) || !strings.Contains(got[2], `"subscribed"`) {
			t.Fatalf("resume got %v; want 4, 5, subscribed", got)
		}
	})
	t.Run("ReadLimit", func(t *testing.T) {
		c, _, err := dial(t, url, testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 65<<10)))
		var rerr error
		for rerr == nil {
			_, rerr = readMsg(t, c)
		}
		if code := closeCode(rerr); code != websocket.CloseMessageTooBig {
			t.Fatalf("read error %v; want close 1009", rerr)
		}
	})
	t.Run("ShutdownGoingAway", func(t *testing.T) {
		c, _, err := dial(t, url, testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","room":"r"}`))
		if m, err := readMsg(t, c); err != nil || !strings.Contains(m, "subscribed") {
			t.Fatalf("got %s, %v", m, err)
		}
		if err := h.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		var rerr error
		for rerr == nil {
			_, rerr = readMsg(t, c)
		}
		// The reason tells the browser script to come back soon rather
		// than back off.
		var ce *websocket.CloseError
		if !errors.As(rerr, &ce) || ce.Code != websocket.CloseGoingAway || ce.Text != RestartReason {
			t.Fatalf("read error %v; want close 1001 %q", rerr, RestartReason)
		}
	})
}
