package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// benchStartup times Chorus from exec to its first answered request on an
// empty store, and weighs the binary: PERFORMANCE.md target 7.
func (r *runner) benchStartup() error {
	bin, err := r.binary()
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	step("chorus start on an empty store")
	dir := filepath.Join(r.dir, "empty")
	p, took, err := startProc("chorus", bin, []string{"--addr", addr, "--data-dir", dir}, "http://"+addr, r.logPath("chorus-startup.log"))
	if err != nil {
		return err
	}
	p.stop()
	fi, err := os.Stat(bin)
	if err != nil {
		return err
	}
	mb := float64(fi.Size()) / (1 << 20)
	t := &r.table
	t.check("start to first request (empty store)", ms(msOf(took)), "", "", "≤ 1 s", took <= time.Second)
	t.check("binary size", fmt.Sprintf("%.1f MB", mb), "", "", "< 50 MB", mb < 50)
	return nil
}
