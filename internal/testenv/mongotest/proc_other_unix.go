//go:build unix && !linux

package mongotest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal does nothing here: only Linux has the signal. A
// PostgreSQL left behind by a killed test process is stopped by hand.
func setParentDeathSignal(*syscall.SysProcAttr) {}

// startOnKeptThread starts cmd.
func startOnKeptThread(cmd *exec.Cmd) error { return cmd.Start() }
