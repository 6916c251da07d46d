package crash

import "syscall"

// sysProcAttr has the kernel kill the child if the test process dies first
// (a test timeout), so no Chorus outlives its test.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
