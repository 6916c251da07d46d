package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"chorus/account"
	"chorus/services"
	"chorus/steering"
	"chorus/store/mongo"
	"chorus/store/sqlite"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// The meeting room (decision 0005): a steering meeting streamed to its
// audience, who follow it by the meeting's link. Meeting events carry only
// what changed; each follower's page fetches itself again after a random
// 0.3–1.5 s wait. So every "now discussing" change the chair makes becomes
// one page render per follower: this measures those renders.

// meetingSeed is a live meeting in the benchmark's store.
type meetingSeed struct {
	id, key    string   // the meeting, and its link's key
	items      []string // agenda items, in order
	chairEmail string
	chairPw    string
}

// seedMeeting adds a steering group linked to the benchmark's forum, a chair,
// and a meeting in progress with an open link and six agenda items. There is
// no form an unattended client could use for all of it (administrators sign
// in with a second step), so it goes through the domain services directly,
// with no server running. With -rev, this is the working tree's code on the
// older build's store.
func (ch *chorus) seedMeeting() (*meetingSeed, error) {
	ctx := context.Background()
	var db services.Store
	if ch.mongoURI != "" {
		m, err := mongo.Open(ctx, ch.mongoURI, ch.mongoDB)
		if err != nil {
			return nil, err
		}
		defer m.Close(ctx)
		db = m
	} else {
		l, err := sqlite.Open(ctx, ch.dataDir)
		if err != nil {
			return nil, err
		}
		defer l.Close()
		db = l
	}
	set, err := services.New(db, services.Config{})
	if err != nil {
		return nil, err
	}
	adminUser, err := db.FindUserByEmail(ctx, "admin@demo.chorus.invalid")
	if err != nil {
		return nil, fmt.Errorf("demo administrator: %w", err)
	}
	grants, err := db.ListGrants(ctx, adminUser.ID)
	if err != nil {
		return nil, err
	}
	admin := &account.Principal{User: adminUser, Grants: grants}
	f, err := db.FindForum(ctx, ch.forumID)
	if err != nil {
		return nil, err
	}
	g, err := set.Steering.CreateGroup(ctx, admin, steering.GroupSettings{OrgID: f.OrgID, Name: "Benchmark keyworker steering group",
		Description: "Streams its meetings.", ForumIDs: []string{f.ID}}, "")
	if err != nil {
		return nil, fmt.Errorf("group: %w", err)
	}
	seed := &meetingSeed{chairEmail: "chair@bench.chorus.invalid", chairPw: "a long benchmark chair password"}
	chairUser, err := set.Accounts.AddPlainUser(ctx, account.NewUser{Email: seed.chairEmail, Name: "Chris (chair)", Password: seed.chairPw})
	if err != nil {
		return nil, fmt.Errorf("chair: %w", err)
	}
	if _, err := set.Steering.AddMember(ctx, admin, g.ID, chairUser.ID, "Chris", steering.RoleChair, steering.OrgICB); err != nil {
		return nil, fmt.Errorf("seat: %w", err)
	}
	chair := &account.Principal{User: chairUser}
	if chair.Grants, err = db.ListGrants(ctx, chairUser.ID); err != nil {
		return nil, err
	}
	m, err := set.Steering.CreateMeeting(ctx, chair, g.ID, steering.MeetingSettings{Title: "Streamed steering meeting",
		StartsAt: time.Now(), Minutes: 90, Online: "https://example.org/stream", OpenLink: true}, "")
	if err != nil {
		return nil, fmt.Errorf("meeting: %w", err)
	}
	for i, title := range []string{"Welcome and apologies", "Actions from last time", "Waiting lists for assessments",
		"Keyworker caseloads", "What families told us this month", "Any other business"} {
		it, err := set.Steering.AddItem(ctx, chair, m.ID, steering.ItemSettings{Kind: steering.ItemStanding, Title: title, Minutes: 10 + i})
		if err != nil {
			return nil, fmt.Errorf("item: %w", err)
		}
		seed.items = append(seed.items, it.ID)
	}
	for _, st := range []steering.MeetingStatus{steering.MeetingPublished, steering.MeetingInProgress} {
		if err := set.Steering.SetMeetingStatus(ctx, chair, m.ID, st); err != nil {
			return nil, fmt.Errorf("status %s: %w", st, err)
		}
	}
	if m, err = db.FindMeeting(ctx, m.ID); err != nil {
		return nil, err
	}
	seed.id, seed.key = m.ID, m.LinkKey
	return seed, nil
}

// follower is one member of a meeting's audience: a websocket subscribed to
// the meeting's room, refetching the page on each change.
type follower struct {
	conn *websocket.Conn
	// refreshed[k] is when change k's refetch completed (zero: never);
	// written by the follower's own goroutines, read after they ended.
	refreshed []time.Time
	latency   []time.Duration // every refetch, request to last byte
	failed    int
	mu        sync.Mutex
}

// benchMeeting: followers of a live meeting, the chair moving "now
// discussing" every few seconds.
func (r *runner) benchMeeting() error {
	ch, err := r.chorus()
	if err != nil {
		return err
	}
	step("seeding a steering meeting in progress, open by link")
	seed, err := ch.seedMeeting()
	if err != nil {
		return fmt.Errorf("seeding the meeting: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	p, err := ch.start(addr, "chorus-meeting.log")
	if err != nil {
		return err
	}
	defer p.stop()
	chair := newBrowser(p.base)
	if err := chair.signIn(seed.chairEmail, seed.chairPw); err != nil {
		return fmt.Errorf("chair: %w", err)
	}
	page := "/meetings/" + seed.id + "?key=" + seed.key
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: 1024, ReadTimeout: 30 * time.Second}
	status, _, cookie, err := getPage(hc, "http://"+addr+page)
	if err != nil || status != 200 {
		return fmt.Errorf("GET the meeting by its link: status %d, %v", status, err)
	}
	changes := r.changes
	step("%d followers of the meeting's room", r.followers)
	followers, err := follow(addr, p.base, "meeting:"+seed.id, r.followers, changes)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	sent := make([]time.Time, changes)
	var current atomic.Int64
	current.Store(-1)
	for _, f := range followers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.listen(hc, "http://"+addr+page, cookie, &current, &wg)
		}()
	}
	time.Sleep(time.Second) // presence updates of the joins die down
	step("%d changes of the current item, one every %s", changes, r.every)
	cpu0 := p.cpu()
	for k := range changes {
		if _, err := chair.get("/meetings/" + seed.id); err != nil {
			return err
		}
		current.Store(int64(k))
		sent[k] = time.Now()
		if _, err := chair.post("/items/"+seed.items[(k+1)%len(seed.items)]+"/current", url.Values{}, 303); err != nil {
			return fmt.Errorf("change %d: %w", k, err)
		}
		time.Sleep(r.every)
	}
	time.Sleep(2 * time.Second) // the last wave's refetches (waits up to 1.5 s)
	cpu := p.cpu() - cpu0
	for _, f := range followers {
		f.conn.Close()
	}
	wg.Wait()

	var lat, room []time.Duration
	renders, failed, missed := 0, 0, 0
	var waveRates []float64
	for k := range changes {
		var last time.Time
		for _, f := range followers {
			at := f.refreshed[k]
			if at.IsZero() {
				missed++
				continue
			}
			room = append(room, at.Sub(sent[k]))
			if at.After(last) {
				last = at
			}
		}
		if !last.IsZero() {
			// The wave: every follower's refetch, spread over 0.3–1.5 s by
			// the script's wait; slower than followers/1.5 s when the
			// server falls behind.
			waveRates = append(waveRates, float64(len(followers))/last.Sub(sent[k]).Seconds())
		}
	}
	for _, f := range followers {
		lat = append(lat, f.latency...)
		renders += len(f.latency)
		failed += f.failed
	}
	t := &r.table
	n := len(followers)
	t.info(fmt.Sprintf("meeting: page renders/s during a change's wave (%d followers)", n), perSec(median(waveRates)), "", "")
	t.info(fmt.Sprintf("meeting: page refetch p50 / p99 (%d followers)", n), ms(msOf(percentile(lat, 50)))+" / "+ms(msOf(percentile(lat, 99))), "", "")
	t.info("meeting: change to every follower's page refreshed, p99 / max (wait 0.3–1.5 s included)",
		ms(msOf(percentile(room, 99)))+" / "+ms(msOf(percentile(room, 100))), "", "")
	if renders > 0 {
		t.info("meeting: server CPU per page render (all its CPU over the changes)", us(float64(cpu/time.Duration(renders))/float64(time.Microsecond)), "", "")
	}
	t.check(fmt.Sprintf("meeting: refetches failed or missed (%d changes × %d)", changes, n), fmt.Sprintf("%d / %d", failed, missed), "", "", "0 / 0", failed == 0 && missed == 0)
	return nil
}

// follow opens n followers of a room.
func follow(addr, origin, room string, n, changes int) ([]*follower, error) {
	out := make([]*follower, n)
	d := dialer()
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				v, err := openViewer(d, "ws://"+addr+"/live", origin, room, 0)
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("follower %d: %w", i, err) })
					return
				}
				out[i] = &follower{conn: v.conn, refreshed: make([]time.Time, changes)}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		for _, f := range out {
			if f != nil {
				f.conn.Close()
			}
		}
		return nil, firstErr
	}
	return out, nil
}

var currentType = []byte(`"type":"meeting.current"`)

// listen reads the room until the connection ends; on each change it waits
// as the browser script does (0.3–1.5 s), then fetches the page again.
func (f *follower) listen(hc *fasthttp.HostClient, uri, cookie string, current *atomic.Int64, wg *sync.WaitGroup) {
	for {
		_, msg, err := f.conn.ReadMessage()
		if err != nil {
			return
		}
		if !bytes.Contains(msg, currentType) {
			continue
		}
		k := int(current.Load())
		if k < 0 || k >= len(f.refreshed) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(300*time.Millisecond + rand.N(1200*time.Millisecond))
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			req.SetRequestURI(uri)
			req.Header.Set("Cookie", cookie)
			req.Header.Set("Accept", "text/html")
			start := time.Now()
			err := hc.Do(req, res)
			done := time.Now()
			f.mu.Lock()
			defer f.mu.Unlock()
			if err != nil || res.StatusCode() != 200 || !strings.Contains(string(res.Body()), "</html>") {
				f.failed++
				return
			}
			f.latency = append(f.latency, done.Sub(start))
			if f.refreshed[k].IsZero() {
				f.refreshed[k] = done
			}
		}()
	}
}

// median of a few figures (0 when none).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
