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
