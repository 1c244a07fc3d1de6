package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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
	segs            map[string]int64 // by the client's address
	stmts           int64
	segsOK, stmtsOK bool
	cpu             time.Duration // PostgreSQL's CPU time, all its processes
	cpuOK           bool
}

// benchPGSettings load pg_stat_statements into the bench's cluster.
var benchPGSettings = map[string]string{
	"shared_preload_libraries":         "pg_stat_statements",
	"pg_stat_statements.track_utility": "on",
	"pg_stat_statements.max":           "10000",
}

func (e *benchEnv) counters(ctx context.Context) pgCounters {
	var c pgCounters
	if e.pgDataDir != "" {
		c.cpu, c.cpuOK = postgresCPU(e.pgDataDir)
	}
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

// pgCPUPerOp is PostgreSQL's CPU milliseconds per operation between two
// readings; -1 where it could not be read.
func pgCPUPerOp(a, b pgCounters, ops int64) float64 {
	if ops <= 0 || !a.cpuOK || !b.cpuOK {
		return -1
	}
	return float64((b.cpu - a.cpu).Microseconds()) / 1000 / float64(ops)
}

// postgresCPU is the CPU time (user and system) of the cluster in dataDir:
// the postmaster (in postmaster.pid), every process of its process group
// (the backends and workers, which pgembed starts in a group of their
// own), and the children it has reaped (backends that exited).
func postgresCPU(dataDir string) (time.Duration, bool) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return 0, false
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	var ticks int64
	found := false
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + p.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 15 || (pid != pm && f[1] != strconv.Itoa(pm)) {
			continue
		}
		for _, i := range []int{11, 12} { // utime, stime
			n, _ := strconv.ParseInt(f[i], 10, 64)
			ticks += n
		}
		if pid == pm {
			for _, i := range []int{13, 14} { // cutime, cstime: reaped children
				n, _ := strconv.ParseInt(f[i], 10, 64)
				ticks += n
			}
			found = true
		}
	}
	return time.Duration(ticks) * (time.Second / 100), found // USER_HZ is 100 on Linux
}

// perOp is the round trips and statements between two readings, per
// operation; -1 where a count could not be read.
func perOp(a, b pgCounters, ops int64) (rts, stmts float64) {
	rts, stmts = -1, -1
	if ops <= 0 {
		return rts, stmts
	}
	if a.segsOK && b.segsOK {
		// A connection opened meanwhile counts from zero; one closed
		// meanwhile is lost (the harness cancels no query, so none is).
		var n int64
		for k, v := range b.segs {
			n += v - a.segs[k]
		}
		rts = float64(n) / float64(ops)
	}
	if a.stmtsOK && b.stmtsOK {
		stmts = float64(b.stmts-a.stmts) / float64(ops)
	}
	return rts, stmts
}

// serverSegmentsIn reads data_segs_in of PostgreSQL's established TCP
// connections on port, by client address: every request a client sent.
func serverSegmentsIn(ctx context.Context, port int) (map[string]int64, bool) {
	out, err := exec.CommandContext(ctx, "ss", "-tinH", "state", "established", "( sport = :"+strconv.Itoa(port)+" )").Output()
	if err != nil {
		return nil, false
	}
	segs := map[string]int64{}
	var peer string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		// A socket is a line "Recv-Q Send-Q local peer" and a line of
		// tcp_info, indented.
		fields := strings.Fields(sc.Text())
		if len(fields) >= 4 && !strings.HasPrefix(sc.Text(), "\t") && !strings.HasPrefix(sc.Text(), " ") {
			peer = fields[3]
			continue
		}
		for _, f := range fields {
			if v, ok := strings.CutPrefix(f, "data_segs_in:"); ok {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && peer != "" {
					segs[peer] = n
				}
			}
		}
	}
	return segs, len(segs) > 0
}

// logStatements prints, with BENCH_STATEMENTS=1, the statements a step
// sent (the most called first), then forgets them: where the round trips
// of a row went.
func (e *benchEnv) logStatements(ctx context.Context, step string, ops int64) {
	if os.Getenv("BENCH_STATEMENTS") == "" || e.pool == nil || ops <= 0 {
		return
	}
	rows, err := e.pool.Query(ctx, `SELECT calls, left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements ORDER BY calls DESC LIMIT 12`)
	if err != nil {
		return
	}
	defer rows.Close()
	fmt.Fprintf(os.Stderr, "statements of %s (%d ops):\n", step, ops)
	for rows.Next() {
		var calls int64
		var q string
		if rows.Scan(&calls, &q) == nil {
			fmt.Fprintf(os.Stderr, "  %6.2f/op  %s\n", float64(calls)/float64(ops), q)
		}
	}
	rows.Close()
	_, _ = e.pool.Exec(ctx, `SELECT pg_stat_statements_reset()`)
}
