package mongotest

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// setParentDeathSignal has the kernel send SIGINT (PostgreSQL's fast
// shutdown) to the child when this process dies, even by SIGKILL or a test
// timeout, so no server outlives its tests. Go applies it after switching
// to the child's user, so it survives the switch.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGINT }

// spawns runs every start of a child on one goroutine locked to its thread
// for the life of the process. Linux sends the parent-death signal when the
// *thread* that started the child ends, and Go ends a thread when a
// goroutine locked to it exits; a thread kept locked never ends early.
var (
	spawns     = make(chan func())
	spawnsOnce sync.Once
)

// startOnKeptThread starts cmd from the kept thread.
func startOnKeptThread(cmd *exec.Cmd) error {
	spawnsOnce.Do(func() {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for f := range spawns {
				f()
			}
		}()
	})
	done := make(chan error)
	spawns <- func() { done <- cmd.Start() }
	return <-done
}
