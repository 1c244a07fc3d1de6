package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// -only names scenarios; a name that is none of them is refused before
// anything starts, with the list of names.
func TestBenchRefusesAnUnknownScenario(t *testing.T) {
	var out, errs bytes.Buffer
	if code := runBench([]string{"-only", "me,nope"}, &out, &errs); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(errs.String(), `no scenario "nope"`) || !strings.Contains(errs.String(), "healthz,me,list") {
		t.Errorf("stderr: %q", errs.String())
	}
	if out.Len() != 0 {
		t.Errorf("printed a report: %q", out.String())
	}
}

// The bill row runs the real reconciliation in a child of the harness's
// binary (here this test binary) against a bill the harness writes from
// the orders it seeded: a day that balances, with its peak RSS.
func TestBenchBillRowReconcilesTheSeededDay(t *testing.T) {
	rep, err := bench(context.Background(), []int{1}, 100*time.Millisecond, []int{2000}, func(s string) bool { return s == "bill" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var b *benchBill
	for _, r := range rep.Rows {
		if r.Bill != nil {
			b = r.Bill
		}
	}
	switch {
	case b == nil:
		t.Fatalf("no bill row in %+v", rep.Rows)
	case b.Error != "" || b.Status != "balanced" || b.Differences != 0 || b.Lines != 2000 || b.Orders != 2000:
		t.Fatalf("bill row %+v", b)
	case b.PeakRSSMB <= 0 || b.Seconds <= 0 || b.LinesPerS <= 0 || b.Phases["download_parse_stage"] <= 0:
		t.Errorf("bill row without measures: %+v", b)
	}
	var out bytes.Buffer
	printBench(&out, rep)
	if !strings.Contains(out.String(), "bill reconciliation, 2000 lines") || !strings.Contains(out.String(), "peak RSS") {
		t.Errorf("table:\n%s", out.String())
	}
}

// The harness counts what each operation sends PostgreSQL: the notification
// floor is one statement in one round trip (no BEGIN, no COMMIT), and the
// service's rows carry their counts. Round trips come from the kernel (ss);
// where it cannot be read they are not shown rather than made up.
func TestBenchCountsRoundTripsPerOperation(t *testing.T) {
	rep, err := bench(context.Background(), []int{1}, 300*time.Millisecond, nil, func(s string) bool { return s == "notify" || s == "me" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]benchRow{}
	for _, r := range rep.Rows {
		if _, seen := rows[r.Scenario]; !seen {
			rows[r.Scenario] = r
		}
	}
	floor, ok := rows["floor: first notification's SQL via pgx"]
	if !ok {
		t.Fatalf("no notification floor in %+v", rep.Rows)
	}
	if floor.Statements < 0.95 || floor.Statements > 1.3 {
		t.Errorf("notification floor: %.2f statements per op, want 1", floor.Statements)
	}
	if floor.RoundTrips >= 0 && (floor.RoundTrips < 0.95 || floor.RoundTrips > 1.3) {
		t.Errorf("notification floor: %.2f round trips per op, want 1", floor.RoundTrips)
	}
	me := rows["authenticated read GET /v1/me"]
	if me.Statements < 0.95 || (me.RoundTrips >= 0 && me.RoundTrips < 0.95) {
		t.Errorf("GET /v1/me: %.2f round trips, %.2f statements per op, want at least its session lookup", me.RoundTrips, me.Statements)
	}
	var out bytes.Buffer
	printBench(&out, rep)
	if !strings.Contains(out.String(), "rt/op") {
		t.Errorf("table without round trips:\n%s", out.String())
	}
}
