package server_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/forum"

	"github.com/fasthttp/websocket"
)

type liveMsg struct {
	Type string          `json:"type"`
	Room string          `json:"room"`
	Seq  int64           `json:"seq"`
	Data json.RawMessage `json:"data"`
	HTML string          `json:"html"`
	Code string          `json:"code"`
}

// dialLive opens the live websocket as a browser on this site would.
func dialLive(t *testing.T, e *env, origin string) (*websocket.Conn, *http.Response, error) {
	return dialLiveLang(t, e, origin, "")
}

// dialLiveLang opens the live websocket as a browser asking for a language.
func dialLiveLang(t *testing.T, e *env, origin, lang string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	h.Set("Origin", origin)
	if lang != "" {
		h.Set("Accept-Language", lang)
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.URL, "http")+"/live", h)
}

// dialLiveAs opens the live websocket with c's session, closed when the
// test ends.
func dialLiveAs(t *testing.T, e *env, c *client) *websocket.Conn {
	t.Helper()
	h := http.Header{}
	h.Set("Origin", e.URL)
	for _, ck := range c.http.Jar.Cookies(mustURL(t, e.URL)) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.URL, "http")+"/live", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// follow opens a live connection in a language and joins room.
func follow(t *testing.T, e *env, lang, room string) *websocket.Conn {
	t.Helper()
	ws, _, err := dialLiveLang(t, e, e.URL, lang)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.WriteJSON(map[string]any{"type": "subscribe", "room": room}); err != nil {
		t.Fatal(err)
	}
	next(t, ws, "subscribed")
	return ws
}

// next reads messages until one of type typ arrives.
func next(t *testing.T, ws *websocket.Conn, typ string) liveMsg {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var m liveMsg
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
	}
}

func TestLiveIssuePage(t *testing.T) { onEachStore(t, testLiveIssuePage) }

func testLiveIssuePage(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Live one"}, "body": {"Text"}, "anonymous": {"no"}})
	issuePath := r.Location
	room := "issue:" + strings.TrimPrefix(issuePath, "/issues/")

	t.Run("ErrForeignOrigin", func(t *testing.T) {
		_, res, err := dialLive(t, fe.env, "https://evil.example")
		if err == nil || res == nil || res.StatusCode != 403 {
			t.Fatalf("foreign origin: %v %v; want 403", res, err)
		}
	})

	ws, _, err := dialLive(t, fe.env, fe.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]any{"type": "subscribe", "room": room}); err != nil {
		t.Fatal(err)
	}
	next(t, ws, "subscribed")

	// A member comments through the ordinary form; the viewer receives it.
	fe.Facilitator.get(issuePath)
	wantStatus(t, fe.Facilitator.post(issuePath+"/comments", url.Values{"body": {"Seen **live**"}, "idem": {"l1"}}), 303)
	m := next(t, ws, "comment.added")
	if m.Room != room || m.Seq < 1 || !strings.Contains(m.HTML, "<strong>live</strong>") || !strings.Contains(m.HTML, "Fiona (facilitator)") {
		t.Fatalf("comment event = %+v", m)
	}
	// A support arrives as a coalesced count, rendered in the viewer's language.
	wantStatus(t, fe.Facilitator.post(issuePath+"/support", url.Values{"csrf": {fe.Facilitator.csrf(issuePath)}}), 303)
	m = next(t, ws, "support.count")
	if !strings.Contains(m.HTML, "1 family affected") {
		t.Fatalf("count event = %+v", m)
	}

	t.Run("SSEResumes", func(t *testing.T) {
		req := newRequest(t, "GET", fe.URL+"/live/events?room="+url.QueryEscape(room)+"&after=0")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			t.Fatalf("content type %q", ct)
		}
		sc := bufio.NewScanner(res.Body)
		deadline := time.After(10 * time.Second)
		found := make(chan bool, 1)
		go func() {
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "data:") && strings.Contains(sc.Text(), "comment.added") {
					found <- true
					return
				}
			}
			found <- false
		}()
		select {
		case ok := <-found:
			if !ok {
				t.Fatal("the stream ended without the comment")
			}
		case <-deadline:
			t.Fatal("no comment event on the stream within 10s")
		}
	})
}

func TestLiveRoomPermission(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true, PreModerate: true})
	r := fe.raise(fe.Member, url.Values{"title": {"In review"}, "body": {"Text"}, "anonymous": {"no"}})
	room := "issue:" + strings.TrimPrefix(r.Location, "/issues/")
	ws, _, err := dialLive(t, fe.env, fe.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteJSON(map[string]any{"type": "subscribe", "room": room})
	if m := next(t, ws, "error"); m.Code != "forbidden" {
		t.Fatalf("a visitor following an issue in review: %+v", m)
	}
}

// TestSignOutClosesLive: signing out ends that session's live connections.
func TestSignOutClosesLive(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true})
	ws := dialLiveAs(t, fe.env, fe.Member)
	ws.WriteJSON(map[string]any{"type": "subscribe", "room": "forum:" + fe.Forum.ID})
	next(t, ws, "subscribed")
	wantStatus(t, fe.Member.post("/signout", url.Values{"csrf": {fe.Member.csrf("/account")}}), 303)
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			if websocket.IsCloseError(err, websocket.ClosePolicyViolation, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				return
			}
			t.Fatalf("after sign-out the connection ended with %v; want a close frame", err)
		}
	}
}

// TestLiveResumesFromRenderedPage: a comment posted after Dan's page was
// rendered but before his live connection opened still reaches him, because
// the page carries the room's latest sequence and he resumes after it.
func TestLiveResumesFromRenderedPage(t *testing.T) { onEachStore(t, testLiveResumesFromRenderedPage) }

func testLiveResumesFromRenderedPage(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Resume"}, "body": {"Text"}, "anonymous": {"no"}})
	issuePath := r.Location
	fe.Member.get(issuePath)
	wantStatus(t, fe.Member.post(issuePath+"/comments", url.Values{"body": {"before the page"}, "idem": {"r0"}}), 303)

	page := fe.client().get(issuePath).Body
	m := regexp.MustCompile(`data-live-seq="(\d+)"`).FindStringSubmatch(page)
	if m == nil || m[1] != "1" {
		t.Fatalf("the page carries live seq %v; want 1 (one comment so far)", m)
	}
	fe.Member.get(issuePath)
	wantStatus(t, fe.Member.post(issuePath+"/comments", url.Values{"body": {"between render and connect"}, "idem": {"r1"}}), 303)

	ws, _, err := dialLive(t, fe.env, fe.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteJSON(map[string]any{"type": "subscribe", "room": "issue:" + strings.TrimPrefix(issuePath, "/issues/"), "after": 1})
	ev := next(t, ws, "comment.added")
	if ev.Seq != 2 || !strings.Contains(ev.HTML, "between render and connect") {
		t.Fatalf("resumed event = %+v; want seq 2 with the missed comment", ev)
	}
}

// TestLiveForumRoom: viewers of a forum's page hear of a new issue, rendered
// in each one's language like the list's own items, and of changed support
// counts; the page carries what its live client needs.
func TestLiveForumRoom(t *testing.T) { onEachStore(t, testLiveForumRoom) }

func testLiveForumRoom(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	room := "forum:" + fe.Forum.ID
	page := fe.client().get("/forums/" + fe.Forum.ID).Body
	wantContains(t, page, `data-live-room="`+room+`"`, `data-live-seq="0"`, `data-live-list="issue.added"`, `data-live-insert="end"`, `data-live-presence`)

	en, ur := follow(t, fe.env, "en", room), follow(t, fe.env, "ur", room)
	r := fe.raise(fe.Member, url.Values{"title": {"Short breaks closed"}, "body": {"Text"}, "anonymous": {"no"}})
	id := strings.TrimPrefix(r.Location, "/issues/")
	for _, v := range []struct {
		ws   *websocket.Conn
		want string
	}{{en, ">Open<"}, {ur, ">کھلا<"}} {
		m := next(t, v.ws, "issue.added")
		if m.Room != room || m.Seq < 1 {
			t.Fatalf("issue event = %+v", m)
		}
		wantContains(t, m.HTML, `id="issue-`+id+`"`, `href="/issues/`+id+`"`, "Short breaks closed", v.want, `data-live-support="`+id+`"`)
	}
	// The list's own items carry the same hooks.
	page = fe.client().get("/forums/" + fe.Forum.ID).Body
	wantContains(t, page, `id="issue-`+id+`"`, `data-live-support="`+id+`"`, `data-live-seq="1"`)

	wantStatus(t, fe.Facilitator.post(r.Location+"/support", url.Values{"csrf": {fe.Facilitator.csrf(r.Location)}}), 303)
	for _, v := range []struct {
		ws   *websocket.Conn
		want string
	}{{en, "1 family affected"}, {ur, "1"}} {
		m := next(t, v.ws, "support.count")
		var d struct {
			Issue string `json:"issue"`
			Count int    `json:"count"`
		}
		if err := json.Unmarshal(m.Data, &d); err != nil || d.Issue != id || d.Count != 1 || !strings.Contains(m.HTML, v.want) {
			t.Fatalf("count event = %+v", m)
		}
	}

	t.Run("ErrNoSuchForum", func(t *testing.T) {
		ws, _, err := dialLive(t, fe.env, fe.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		ws.WriteJSON(map[string]any{"type": "subscribe", "room": "forum:nope"})
		if m := next(t, ws, "error"); m.Code != "forbidden" {
			t.Fatalf("following a forum that does not exist: %+v", m)
		}
	})
}

// TestLiveStatusChanged: a facilitator's status change reaches the issue's
// viewers as a new badge, a timeline entry and a sentence to announce, in
// each viewer's language.
func TestLiveStatusChanged(t *testing.T) { onEachStore(t, testLiveStatusChanged) }

func testLiveStatusChanged(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Status live"}, "body": {"Text"}, "anonymous": {"no"}})
	room := "issue:" + strings.TrimPrefix(r.Location, "/issues/")
	wantContains(t, fe.client().get(r.Location).Body, `data-live-status`, `data-live-show="comment.added"`, `data-live-presence`)
	en, ur := follow(t, fe.env, "en", room), follow(t, fe.env, "ur", room)

	fe.Facilitator.get(r.Location)
	wantStatus(t, fe.Facilitator.post(r.Location+"/status", url.Values{"status": {"on_agenda"}, "note": {"Going to the **March** meeting"}}), 303)
	m := next(t, en, "status.changed")
	wantContains(t, m.HTML, `data-live-part="badge"`, `status-on_agenda`, "On a steering group agenda", `data-live-part="timeline"`,
		"<strong>March</strong>", `data-live-part="announce"`, "Status changed: On a steering group agenda")
	m = next(t, ur, "status.changed")
	wantContains(t, m.HTML, "اسٹیئرنگ گروپ کے ایجنڈے پر", "حالت بدل گئی")
}

// TestLivePresence: two viewers of a page each hear "2 people viewing";
// when one leaves, the other hears "1 person viewing".
func TestLivePresence(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true})
	room := "forum:" + fe.Forum.ID
	a := follow(t, fe.env, "en", room)
	b := follow(t, fe.env, "en", room)
	wantPresence(t, a, 2, "2 people viewing")
	wantPresence(t, b, 2, "2 people viewing")
	b.Close()
	wantPresence(t, a, 1, "1 person viewing")
}

// wantPresence reads until a presence count of n arrives and checks its text.
func wantPresence(t *testing.T, ws *websocket.Conn, n int, text string) {
	t.Helper()
	for {
		m := next(t, ws, "presence")
		var d struct {
			Count int `json:"count"`
		}
		if err := json.Unmarshal(m.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Count == n {
			if strings.TrimSpace(m.HTML) != text {
				t.Fatalf("presence of %d reads %q; want %q", n, m.HTML, text)
			}
			return
		}
	}
}
