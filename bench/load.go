package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// The HTTP side of the load: fasthttp's client, because on two shared cores
// every microsecond the client spends is one the server does not get.

// loadResult is one closed-loop load run.
type loadResult struct {
	requests  int
	errors    int
	rps       float64
	latencies []time.Duration
}

// load sends GET path over conns connections, each sending its next request
// when the previous one is answered, for d after a one-second warm-up.
func load(addr, path, cookie string, conns int, d time.Duration) loadResult {
	c := &fasthttp.HostClient{Addr: addr, MaxConns: conns, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	run := func(d time.Duration) loadResult {
		var mu sync.Mutex
		var all loadResult
		var wg sync.WaitGroup
		start := time.Now()
		end := start.Add(d)
		for w := 0; w < conns; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(req)
				defer fasthttp.ReleaseResponse(res)
				req.SetRequestURI("http://" + addr + path)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				var mine loadResult
				for time.Now().Before(end) {
					t0 := time.Now()
					err := c.Do(req, res)
					if err != nil || res.StatusCode() != 200 {
						mine.errors++
						continue
					}
					mine.latencies = append(mine.latencies, time.Since(t0))
				}
				mu.Lock()
				all.errors += mine.errors
				all.latencies = append(all.latencies, mine.latencies...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		all.requests = len(all.latencies)
		all.rps = float64(all.requests) / time.Since(start).Seconds()
		return all
	}
	run(time.Second) // warm-up: connections, caches, the server's heap
	return run(d)
}

// visitor is a browser that has loaded a page: its cookies and the page's
// CSRF token, ready to press a button.
type visitor struct {
	cookie, csrf string
}

// newVisitors loads path once for each of n new visitors, 64 at a time.
func newVisitors(addr, path string, n int) ([]visitor, error) {
	c := &fasthttp.HostClient{Addr: addr, MaxConns: 64, ReadTimeout: 10 * time.Second}
	out := make([]visitor, n)
	errs := make(chan error, n)
	work := make(chan int, n)
	for i := range n {
		work <- i
	}
	close(work)
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				status, body, cookie, err := getPage(c, "http://"+addr+path)
				m := csrfField.FindSubmatch(body)
				switch {
				case err != nil:
					errs <- err
				case status != 200 || m == nil:
					errs <- fmt.Errorf("GET %s: status %d, CSRF token found: %v", path, status, m != nil)
				default:
					out[i] = visitor{cookie: cookie, csrf: string(m[1])}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return out, <-errs // nil when the channel is empty
}

// getPage fetches a page as a new browser: it returns the body and the
// cookies set, as a Cookie header would carry them back.
func getPage(c *fasthttp.HostClient, uri string) (int, []byte, string, error) {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	req.SetRequestURI(uri)
	if err := c.Do(req, res); err != nil {
		return 0, nil, "", err
	}
	var cookies []string
	res.Header.VisitAllCookie(func(_, v []byte) {
		pair, _, _ := bytes.Cut(v, []byte(";"))
		cookies = append(cookies, string(pair))
	})
	return res.StatusCode(), append([]byte(nil), res.Body()...), strings.Join(cookies, "; "), nil
}

// postForm submits a form as v, from origin; it returns the status.
func postForm(c *fasthttp.HostClient, uri, origin string, v visitor, form string) (int, error) {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	req.SetRequestURI(uri)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Cookie", v.cookie)
	req.SetBodyString(form)
	if err := c.Do(req, res); err != nil {
		return 0, err
	}
	return res.StatusCode(), nil
}
