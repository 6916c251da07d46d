//go:build unix

package mongotest

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// stopSignal asks FerretDB to stop cleanly.
const stopSignal = syscall.SIGTERM

// sysProcAttr runs a child as runAs (when not nil) and, with dieWithParent,
// has the kernel signal it when this process dies, where the platform can.
func sysProcAttr(runAs *account, dieWithParent bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if runAs != nil {
		attr.Credential = &syscall.Credential{Uid: uint32(runAs.uid), Gid: uint32(runAs.gid)}
	}
	if dieWithParent {
		setParentDeathSignal(attr)
	}
	return attr
}

// signalled reports whether the process ended because of a signal.
func signalled(ee *exec.ExitError) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled()
}

// processAlive reports whether a process with this ID exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// lockFile takes an exclusive lock on path (created if needed), waiting for
// it; the returned function releases it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing releases the lock
}
