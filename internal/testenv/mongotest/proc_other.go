//go:build !unix

package mongotest

import (
	"os"
	"os/exec"
	"syscall"
)

// Starting PostgreSQL and FerretDB is written for Unix; elsewhere tests need
// CHORUS_TEST_MONGODB_URI. These keep the package compiling.

var stopSignal = os.Kill

func sysProcAttr(*account, bool) *syscall.SysProcAttr { return nil }
func signalled(*exec.ExitError) bool                  { return false }
func processAlive(int) bool                           { return true }
func startOnKeptThread(cmd *exec.Cmd) error           { return cmd.Start() }
func lockFile(string) (func(), error)                 { return func() {}, nil }

func init() {
	unsupported = &missingError{what: "starting PostgreSQL and FerretDB is supported on Unix only", how: "run the tests on Linux"}
}
