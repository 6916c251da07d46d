package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to a new file at path,
// while Chorus keeps serving: VACUUM INTO reads one snapshot, so writes that
// land meanwhile are either wholly in the copy or wholly not. The file must
// not exist yet.
func (d *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", path)
	}
	if _, err := d.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Restore puts a backup in place as the database of dir, which Chorus must
// not be serving. It checks first that the file is a sound Chorus database
// no newer than this Chorus, and refuses to replace an existing database
// unless replace is set (the existing one is then kept beside it as
// chorus.db.replaced-<n>).
func Restore(ctx context.Context, from, dir string, replace bool) error {
	if err := checkBackup(ctx, from); err != nil {
		return err
	}
	target := filepath.Join(dir, FileName)
	if _, err := os.Stat(target); err == nil {
		if !replace {
			return fmt.Errorf("restore: %s already holds a database; pass --replace to put the backup in its place", dir)
		}
		kept := ""
		for n := 1; ; n++ {
			kept = fmt.Sprintf("%s.replaced-%d", target, n)
			if _, err := os.Stat(kept); errors.Is(err, os.ErrNotExist) {
				break
			}
		}
		if err := os.Rename(target, kept); err != nil {
			return fmt.Errorf("restore: keep the existing database: %w", err)
		}
	}
	// The replaced database's write-ahead log must not be replayed into
	// the restored one.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return copyFile(from, target)
}

// checkBackup opens a backup read-only and checks its integrity and schema.
func checkBackup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return fmt.Errorf("restore: %s is not a database Chorus can read: %w", path, err)
	}
	if result != "ok" {
		return fmt.Errorf("restore: %s is damaged: %s", path, result)
	}
	var version int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("restore: %s is not a Chorus database: %w", path, err)
	}
	if version > len(migrations) {
		return fmt.Errorf("restore: %s comes from a newer Chorus (schema %d; this one knows %d)", path, version, len(migrations))
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("restore: %w", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("restore: %w", err)
	}
	return out.Close()
}
