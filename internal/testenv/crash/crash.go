// Package crash runs Chorus as a separate process that a test can kill with
// SIGKILL and start again, to prove that what was acknowledged survives.
package crash

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Build compiles the Chorus binary (the module's main package) into a
// temporary directory of t and returns its path. It builds without -race,
// whatever the test binary was built with: the child is what gets killed,
// and the race detector would only slow it down.
func Build(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("crash: go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("crash: not inside the chorus module")
	}
	bin := filepath.Join(t.TempDir(), "chorus")
	began := time.Now()
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Dir(mod)
	cmd.Env = append(withoutRace(os.Environ()), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("crash: go build: %v\n%s", err, b)
	}
	t.Logf("crash: built %s in %s", bin, time.Since(began).Round(100*time.Millisecond))
	return bin
}

// buffer collects a child's output while the test reads it.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Process is one running Chorus.
type Process struct {
	URL    string
	t      testing.TB
	cmd    *exec.Cmd
	out    *buffer
	done   chan struct{}
	err    error
	killed bool
}

var servingRe = regexp.MustCompile(`Chorus is serving on (http://\S+)`)

// Start runs bin with args (after "serve" defaults: the caller gives
// --addr, --data-dir and so on) and env added to this process's
// environment, and waits until it says where it serves and answers
// /healthz. The process is killed when the test ends, if still running.
func Start(t testing.TB, bin string, args, env []string) *Process {
	t.Helper()
	p := &Process{t: t, out: &buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("crash: start %s: %v", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRe.FindStringSubmatch(p.out.String()); m != nil {
			p.URL = m[1]
			if healthy(p.URL) {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("crash: Chorus ended while starting: %v\n%s", p.err, p.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("crash: Chorus did not start within a minute:\n%s", p.out.String())
	return nil
}

// Output is everything the process wrote so far.
func (p *Process) Output() string { return p.out.String() }

// Kill sends SIGKILL and waits until the process is gone: nothing it had
// not yet made durable survives, exactly as in a power cut of the process.
func (p *Process) Kill() {
	p.t.Helper()
	p.killed = true
	if err := p.cmd.Process.Kill(); err != nil {
		p.t.Fatalf("crash: kill: %v", err)
	}
	<-p.done
}

// CPU is the processor time (user and system) the process used, once it
// has ended; zero while it runs.
func (p *Process) CPU() time.Duration {
	select {
	case <-p.done:
	default:
		return 0
	}
	if p.cmd.ProcessState == nil {
		return 0
	}
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
}

// Exited reports whether the process has ended (by itself, or by Kill).
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Run runs bin once with args (a command such as "demo" or "user add") and
// returns its output; stdin is given to it.
func Run(t testing.TB, bin string, stdin string, args, env []string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("crash: %s %s: %v\n%s", bin, strings.Join(args, " "), err, b)
	}
	return string(b)
}

func healthy(base string) bool {
	res, err := client.Get(base + "/healthz")
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == 200
}

// String describes the process for failure messages.
func (p *Process) String() string {
	return fmt.Sprintf("chorus at %s (killed %v)", p.URL, p.killed)
}

// withoutRace drops -race from GOFLAGS: the test process may run with the
// race detector; the child it kills is built as it is deployed.
func withoutRace(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			var keep []string
			for _, f := range strings.Fields(v) {
				if f != "-race" && f != "--race" && f != "-race=true" {
					keep = append(keep, f)
				}
			}
			kv = "GOFLAGS=" + strings.Join(keep, " ")
		}
		out = append(out, kv)
	}
	return out
}
