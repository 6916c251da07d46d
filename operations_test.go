package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"chorus/forum"
	"chorus/store/sqlite"
)

// TestBackupRestore: a backup taken while issues are being raised is a
// sound database holding a consistent moment; restore puts it in place of
// another installation's store only when told to, keeping the old one.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := seedAll(t, dir)
	a := openApp(t, "--data-dir", dir)
	defer a.close()

	for i := range 3 {
		d := forum.Draft{Title: fmt.Sprintf("Raised before the backup %d", i), Body: "Text", Anonymous: true}
		if _, err := a.forums.RaiseIssue(ctx, forum.Viewer{}, s.Forum.ID, d); err != nil {
			t.Fatal(err)
		}
	}
	// Visitors keep raising anonymous issues while the backup runs.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			d := forum.Draft{Title: fmt.Sprintf("Raised during the backup %d", i), Body: "Text", Anonymous: true}
			if _, err := a.forums.RaiseIssue(ctx, forum.Viewer{}, s.Forum.ID, d); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	file := filepath.Join(t.TempDir(), "chorus-backup.db")
	var out strings.Builder
	err := run(ctx, []string{"--data-dir", dir, "backup", "--to", file}, func(string) string { return "" }, nil, &out, io.Discard)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Backed up") {
		t.Fatalf("backup said %q", out.String())
	}
	if err := run(ctx, []string{"--data-dir", dir, "backup", "--to", file}, func(string) string { return "" }, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("a backup overwrote an existing file")
	}

	// Restore into a fresh installation; every issue in the backup is whole.
	fresh := t.TempDir()
	out.Reset()
	if err := run(ctx, []string{"--data-dir", fresh, "restore", "--from", file}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	restored := openApp(t, "--data-dir", fresh)
	view, err := restored.forums.Issues(ctx, forum.Viewer{}, forum.IssueFilter{ForumID: s.Forum.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if view.Total < 4 { // Grace's and the three before the backup, at least
		t.Fatalf("restored forum lists %d issues", view.Total)
	}
	for _, sum := range view.Issues {
		iss, err := restored.forums.Issue(ctx, forum.Viewer{}, sum.ID)
		if err != nil || iss.Status != forum.StatusOpen || len(iss.Events) < 2 {
			t.Fatalf("restored issue %q: %+v, %v", sum.Title, iss, err)
		}
	}
	restored.close()

	// An existing store is replaced only when asked, and kept aside.
	if err := run(ctx, []string{"--data-dir", fresh, "restore", "--from", file}, func(string) string { return "" }, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--replace") {
		t.Fatalf("restore over an existing store: %v", err)
	}
	if err := run(ctx, []string{"--data-dir", fresh, "restore", "--from", file, "--replace"}, func(string) string { return "" }, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(fresh, sqlite.FileName+".replaced-1")); err != nil {
		t.Fatalf("the replaced store was not kept: %v", err)
	}

	// Something that is not a Chorus database is refused.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database"), 0o600)
	if err := run(ctx, []string{"--data-dir", t.TempDir(), "restore", "--from", junk}, func(string) string { return "" }, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("restored a file that is not a database")
	}
}

// TestHealthcheck: the container health check asks a running Chorus.
func TestHealthcheck(t *testing.T) {
	dir := t.TempDir()
	inst := startChorus(t, dir, nil)
	addr := strings.TrimPrefix(inst.URL, "http://")
	var out strings.Builder
	env := func(k string) string { return map[string]string{"CHORUS_ADDR": addr, "CHORUS_DATA_DIR": dir}[k] }
	if err := run(context.Background(), []string{"healthcheck"}, env, nil, &out, io.Discard); err != nil || strings.TrimSpace(out.String()) != "ok" {
		t.Fatalf("healthcheck of a running Chorus: %q, %v", out.String(), err)
	}
	inst.stop()
	if err := run(context.Background(), []string{"healthcheck"}, env, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("healthcheck passed with Chorus stopped")
	}
}
