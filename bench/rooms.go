package main

import (
	"fmt"
	"os"
	"time"
)

// benchRooms holds each number of viewers in one room on the bare hub and
// on Chorus (each on a freshly started process, so memory is comparable)
// and broadcasts to them: PERFORMANCE.md targets 1, 2, 3 and the upgrade
// rate of 6.
func (r *runner) benchRooms() error {
	for _, n := range r.sizes {
		step("bare hub: %d viewers, %d broadcasts", n, r.messages)
		bare, err := r.bareRoom(n)
		if err != nil {
			return fmt.Errorf("bare hub, %d viewers: %w", n, err)
		}
		step("chorus: %d viewers of one issue, %d comments", n, r.messages)
		ch, err := r.chorusRoom(n)
		if err != nil {
			// Smaller rooms' figures stand; say which size failed, and go on.
			fmt.Fprintf(os.Stderr, "bench: chorus, %d viewers: %v\n", n, err)
			r.table.check(fmt.Sprintf("viewers held in one room (%d)", n), "failed", fmt.Sprint(bare.n), "", "all held", false)
			continue
		}
		r.roomRows(bare, ch)
	}
	return nil
}

func (r *runner) roomRows(bare, ch roomResult) {
	t, n := &r.table, ch.n
	t.check(fmt.Sprintf("viewers held in one room (%d)", n), fmt.Sprint(n), fmt.Sprint(bare.n), "", "all held", true)
	t.ratioAtMost(fmt.Sprintf("server memory per connection (%d)", n), ch.memPerConn, bare.memPerConn, kb, 1.5)
	p := func(res roomResult, q float64) float64 { return msOf(percentile(res.latencies, q)) }
	t.info(fmt.Sprintf("broadcast p50 (%d)", n), ms(p(ch, 50)), ms(p(bare, 50)), fmt.Sprintf("%.2f", p(ch, 50)/p(bare, 50)))
	t.ratioAtMost(fmt.Sprintf("broadcast p99 (%d)", n), p(ch, 99), p(bare, 99), ms, 2)
	t.info(fmt.Sprintf("broadcast max (%d)", n), ms(p(ch, 100)), ms(p(bare, 100)), "")
	t.check(fmt.Sprintf("lost messages (%d × %d)", n, r.messages), fmt.Sprint(ch.lost), fmt.Sprint(bare.lost), "", "0", ch.lost == 0)
	t.ratioAtMost(fmt.Sprintf("server CPU per delivered message (%d)", n), float64(ch.cpuPerMsg)/float64(time.Microsecond), float64(bare.cpuPerMsg)/float64(time.Microsecond), us, 2)
	t.check(fmt.Sprintf("websocket upgrades (%d)", n), perSec(ch.upgrades), perSec(bare.upgrades), fmt.Sprintf("%.2f", ch.upgrades/bare.upgrades), "≥ 500/s", ch.upgrades >= 500)
}
