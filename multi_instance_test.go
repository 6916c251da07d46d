package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"
)

// TestTwoInstancesShareLiveEvents: two Chorus instances on one store, joined
// by an embedded NATS server. A comment posted through one reaches a viewer
// connected to the other, once, numbered by the shared store.
func TestTwoInstancesShareLiveEvents(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(ns.Shutdown)

	dir := t.TempDir()
	s := seedAll(t, dir)
	env := map[string]string{"CHORUS_NATS_URL": ns.ClientURL()}
	a := startChorus(t, dir, env)
	b := startChorus(t, dir, env)
	room := "issue:" + s.IssueID

	// A viewer on instance B follows the issue.
	h := http.Header{}
	h.Set("Origin", b.URL)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(b.URL, "http")+"/live", h)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]any{"type": "subscribe", "room": room}); err != nil {
		t.Fatal(err)
	}
	waitLive(t, ws, "subscribed")

	// Dan comments through instance A, with an ordinary browser session.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	get := func(path string) string {
		res, err := c.Get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	post := func(path string, form url.Values, from string) {
		form.Set("csrf", csrf.FindStringSubmatch(get(from))[1])
		res, err := c.PostForm(a.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 {
			t.Fatalf("POST %s = %d", path, res.StatusCode)
		}
	}
	post("/signin", url.Values{"email": {"dan@example.org"}, "password": {"password for dan@example.org"}}, "/signin")
	post("/issues/"+s.IssueID+"/comments", url.Values{"body": {"Posted on instance A"}, "idem": {"multi-1"}}, "/issues/"+s.IssueID)

	ev := waitLive(t, ws, "comment.added")
	if ev.Room != room || ev.Seq != 1 || !strings.Contains(ev.HTML, "Posted on instance A") {
		t.Fatalf("viewer on instance B got %+v", ev)
	}
	// Exactly once: nothing more arrives for the room.
	ws.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
	var extra struct {
		Type string `json:"type"`
		Seq  int64  `json:"seq"`
	}
	for {
		if err := ws.ReadJSON(&extra); err != nil {
			break
		}
		if extra.Type == "comment.added" {
			t.Fatalf("the comment arrived twice (seq %d)", extra.Seq)
		}
	}
}

type liveEvent struct {
	Type string          `json:"type"`
	Room string          `json:"room"`
	Seq  int64           `json:"seq"`
	Data json.RawMessage `json:"data"`
	HTML string          `json:"html"`
}

func waitLive(t *testing.T, ws *websocket.Conn, typ string) liveEvent {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var ev liveEvent
		if err := ws.ReadJSON(&ev); err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if ev.Type == typ {
			return ev
		}
	}
}
