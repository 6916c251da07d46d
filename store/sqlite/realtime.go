package sqlite

import (
	"context"
	"errors"
	"fmt"

	"chorus/internal/fault"
	"chorus/realtime"
)

var _ realtime.Log = (*DB)(nil)

// Append stores an event under the next sequence number of its room. The
// number is computed and inserted in one statement under the (room, seq)
// primary key; SQLite runs one writer at a time, and a conflict (which would
// need another writer to the same file) is retried with a fresh number.
func (d *DB) Append(ctx context.Context, room, typ string, data []byte) (int64, error) {
	for try := 0; try < 20; try++ {
		var seq int64
		err := translate(d.db.QueryRowContext(ctx,
			`INSERT INTO realtime_events (room, seq, type, data)
			 SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM realtime_events WHERE room = ?
			 RETURNING seq`, room, typ, data, room).Scan(&seq))
		if err == nil {
			return seq, nil
		}
		if !errors.Is(err, fault.ErrConflict) {
			return 0, err
		}
	}
	return 0, fmt.Errorf("sqlite: realtime event in %s: no free sequence number", room)
}

// Since returns up to limit events of room with seq > after, in order.
func (d *DB) Since(ctx context.Context, room string, after int64, limit int) ([]realtime.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	// Every subscribe that resumes reads here: a prepared statement.
	st, err := d.prepared(ctx, `SELECT seq, type, data FROM realtime_events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, room, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var evs []realtime.Event
	for rows.Next() {
		ev := realtime.Event{Room: room}
		var data []byte
		if err := rows.Scan(&ev.Seq, &ev.Type, &data); err != nil {
			return nil, translate(err)
		}
		if len(data) > 0 {
			ev.Data = data
		}
		evs = append(evs, ev)
	}
	return evs, translate(rows.Err())
}

// Latest returns a room's highest sequence number, 0 when it has none.
func (d *DB) Latest(ctx context.Context, room string) (int64, error) {
	var seq int64
	err := d.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM realtime_events WHERE room = ?`, room).Scan(&seq)
	return seq, translate(err)
}
