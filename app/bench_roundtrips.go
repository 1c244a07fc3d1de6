package main

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
)

// Round trips per operation. Every client of the bench's private
// PostgreSQL counts: during a scenario only the service talks to it (the
// harness prepared its rows before), during a floor only the harness.
//
// A round trip is one request the client sends and waits on: the kernel's
// count of data segments PostgreSQL received (tcp_info's data_segs_in,
// read with ss(8)) over all its connections. pgx writes each request,
// however many statements it pipelines, in one write, so a batch of five
// statements is one round trip, and BEGIN and COMMIT are one each when
// sent alone. Statements are counted too, from pg_stat_statements (BEGIN
// and COMMIT included: track_utility). Background work of the service's
// River client (leader, producer polls) is in the count; at the rates
// measured here it is a few hundredths of a round trip per operation.

// pgCounters are both counts at one moment; valid says whether the
// machine let us read them.
type pgCounters struct {
	segs, stmts     int64
	segsOK, stmtsOK bool
}

// benchPGSettings load pg_stat_statements into the bench's cluster.
var benchPGSettings = map[string]string{
	"shared_preload_libraries":         "pg_stat_statements",
	"pg_stat_statements.track_utility": "on",
	"pg_stat_statements.max":           "10000",
}

func (e *benchEnv) counters(ctx context.Context) pgCounters {
	var c pgCounters
	if e.pgPort > 0 {
		c.segs, c.segsOK = serverSegmentsIn(ctx, e.pgPort)
	}
	if e.pool != nil {
		// The query counts itself: one call, too few to matter.
		err := e.pool.QueryRow(ctx, `SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements`).Scan(&c.stmts)
		c.stmtsOK = err == nil
	}
	return c
}

// perOp is the round trips and statements between two readings, per
// operation; -1 where a count could not be read.
func perOp(a, b pgCounters, ops int64) (rts, stmts float64) {
	rts, stmts = -1, -1
	if ops <= 0 {
		return rts, stmts
	}
	if a.segsOK && b.segsOK {
		rts = float64(b.segs-a.segs) / float64(ops)
	}
	if a.stmtsOK && b.stmtsOK {
		stmts = float64(b.stmts-a.stmts) / float64(ops)
	}
	return rts, stmts
}

// serverSegmentsIn sums data_segs_in over PostgreSQL's established TCP
// connections on port: every request any client sent it.
func serverSegmentsIn(ctx context.Context, port int) (int64, bool) {
	out, err := exec.CommandContext(ctx, "ss", "-tinH", "state", "established", "( sport = :"+strconv.Itoa(port)+" )").Output()
	if err != nil {
		return 0, false
	}
	var total int64
	found := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			if v, ok := strings.CutPrefix(f, "data_segs_in:"); ok {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil {
					total += n
					found = true
				}
			}
		}
	}
	return total, found
}
