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
	t.Helper()
	h := http.Header{}
	h.Set("Origin", origin)
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.URL, "http")+"/live", h)
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
	h := http.Header{}
	h.Set("Origin", fe.URL)
	for _, ck := range fe.Member.http.Jar.Cookies(mustURL(t, fe.URL)) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(fe.URL, "http")+"/live", h)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
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
