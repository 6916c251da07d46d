package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// Snapshot is one consistent read of every table, for moving an
// installation to another store (`chorus migrate`). It holds a transaction
// open until Close: what it reads is one moment, even if something writes
// meanwhile (which it should not: Chorus is stopped for a migration).
type Snapshot struct {
	tx     *sql.Tx
	tables []string
}

// Snapshot begins a consistent read of the whole database.
func (d *DB) Snapshot(ctx context.Context) (*Snapshot, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin snapshot: %w", err)
	}
	s := &Snapshot{tx: tx}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("sqlite: list tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			tx.Rollback()
			return nil, err
		}
		s.tables = append(s.tables, name)
	}
	if err := rows.Err(); err != nil {
		tx.Rollback()
		return nil, err
	}
	return s, nil
}

// Tables names every table of the database (SQLite's own aside), sorted.
func (s *Snapshot) Tables() []string { return slices.Clone(s.tables) }

// Rows calls fn with every row of table, each as its column names and
// values as SQLite holds them (int64, float64, string, []byte or nil).
// Rows come in the table's storage order.
func (s *Snapshot) Rows(ctx context.Context, table string, fn func(row map[string]any) error) error {
	if !slices.Contains(s.tables, table) {
		return fmt.Errorf("sqlite: no table %q", table)
	}
	rows, err := s.tx.QueryContext(ctx, `SELECT * FROM "`+table+`"`) // a name from sqlite_master, checked above
	if err != nil {
		return fmt.Errorf("sqlite: read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("sqlite: read %s: %w", table, err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = slices.Clone(b) // the driver may reuse the buffer
			}
			row[c] = vals[i]
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Column is a table's column: its name and declared type.
type Column struct{ Name, Type string }

// Columns returns a table's columns, in order.
func (s *Snapshot) Columns(ctx context.Context, table string) ([]Column, error) {
	if !slices.Contains(s.tables, table) {
		return nil, fmt.Errorf("sqlite: no table %q", table)
	}
	rows, err := s.tx.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Close ends the snapshot; it wrote nothing.
func (s *Snapshot) Close() error { return s.tx.Rollback() }
