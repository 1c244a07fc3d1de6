package main

import (
	"bytes"
	"strings"
	"testing"
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
