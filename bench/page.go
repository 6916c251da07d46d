package main

import (
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"
)

// benchPage loads the forum page of 20 issues and Fiber's hello world, each
// at 64 connections: PERFORMANCE.md target 5.
func (r *runner) benchPage() error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	hub, _, err := startProc("barehub", r.self, []string{"barehub", "-addr", addr}, "http://"+addr, r.logPath("barehub-hello.log"))
	if err != nil {
		return err
	}
	step("fiber hello world: 64 connections, %s", r.duration)
	hello := load(addr, "/hello", "", 64, r.duration)
	hub.stop()

	ch, err := r.chorus()
	if err != nil {
		return err
	}
	if addr, err = freeAddr(); err != nil {
		return err
	}
	p, err := ch.start(addr, "chorus-page.log")
	if err != nil {
		return err
	}
	defer p.stop()
	path := "/forums/" + ch.forumID
	// A returning visitor: the page once, then with the cookies it set.
	status, body, cookie, err := getPage(&fasthttp.HostClient{Addr: addr}, p.base+path)
	if err != nil {
		return err
	}
	if n := strings.Count(string(body), `href="/issues/`); status != 200 || n < 20 {
		return fmt.Errorf("forum page: status %d with %d issue links; want 200 with 20", status, n)
	}
	step("chorus forum page (%d KB): 64 connections, %s", len(body)/1024, r.duration)
	page := load(addr, path, cookie, 64, r.duration)

	t := &r.table
	t.ratioAtLeast("forum page (20 issues) requests/s, 64 conns", page.rps, hello.rps, perSec, 0.06)
	p99 := msOf(percentile(page.latencies, 99))
	t.check("forum page p99, 64 conns", ms(p99), ms(msOf(percentile(hello.latencies, 99))), "", "≤ 50 ms", p99 <= 50)
	t.check("forum page errors", fmt.Sprint(page.errors), fmt.Sprint(hello.errors), "", "0", page.errors == 0)
	return nil
}
