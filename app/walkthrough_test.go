package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
)

// TestREADMEWalkthroughsRunVerbatim runs every curl walk-through of both
// READMEs exactly as printed, with only this run's addresses and operator
// key put in, each twice (a newcomer runs them again), and checks every
// output the README shows under a command.
func TestREADMEWalkthroughsRunVerbatim(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the walk-throughs need %s: %v", tool, err)
		}
	}
	s := startServe(t, map[string]string{"WECHAT_MODE": "emulator", "DATABASE_URL": pgtest.NewDB(t)})
	var key []string
	for deadline := time.Now().Add(30 * time.Second); key == nil; time.Sleep(20 * time.Millisecond) {
		// Printed once start-up is over, which may be just after /readyz.
		key = regexp.MustCompile(`OPERATOR_KEY=(wxop_\S+)`).FindStringSubmatch(s.stdout.String())
		if key == nil && time.Now().After(deadline) {
			t.Fatalf("no operator key printed:\n%s", s.stdout.String())
		}
	}
	here := strings.NewReplacer("http://localhost:8080", s.api, "http://127.0.0.1:8081", s.emulator, "wxop_dev_…", key[1])
	for _, readme := range []string{"../README.md", "../README.zh-CN.md"} {
		blocks := walkthroughs(t, readme)
		if len(blocks) != 4 {
			t.Fatalf("%s: %d curl walk-throughs, want 4 (buyer, refunds, shipping, the buyer's side)", readme, len(blocks))
		}
		for i, b := range blocks {
			want := expectedOutputs(b)
			if len(want) < 3 {
				t.Fatalf("%s walk-through %d shows %d outputs: the parser lost them", readme, i+1, len(want))
			}
			for run := 1; run <= 2; run++ {
				cmd := exec.Command("bash", "-eo", "pipefail", "-c", here.Replace(b))
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("%s walk-through %d, run %d: %v\nstdout:\n%s\nstderr:\n%s", readme, i+1, run, err, stdout.String(), stderr.String())
				}
				if missing := unmatched(want, stdout.String()); missing != "" {
					t.Fatalf("%s walk-through %d, run %d: the README shows %q, the run printed:\n%s\nlogs:\n%s",
						readme, i+1, run, missing, stdout.String(), s.logs.String())
				}
			}
		}
	}
}

// walkthroughs returns the README's sh blocks that talk to the service.
func walkthroughs(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(raw), -1) {
		if strings.Contains(m[1], "curl") && strings.Contains(m[1], "http://localhost:8080") {
			out = append(out, m[1])
		}
	}
	return out
}

// expectedOutputs are the comment lines printed right under a command: what
// it prints, with … standing for anything. Steps ("# 1. …") and notes that
// describe rather than show ("# payment = {…}") are not outputs.
func expectedOutputs(block string) []*regexp.Regexp {
	var out []*regexp.Regexp
	prevCommand := false
	for _, line := range strings.Split(block, "\n") {
		comment, isComment := strings.CutPrefix(line, "# ")
		switch {
		case !isComment:
			prevCommand = strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#")
		case prevCommand && !strings.Contains(comment, " = "):
			parts := strings.Split(comment, "…")
			for i, p := range parts {
				parts[i] = regexp.QuoteMeta(p)
			}
			out = append(out, regexp.MustCompile("^"+strings.Join(parts, ".*")+"$"))
		default:
			prevCommand = false
		}
	}
	return out
}

// unmatched finds each expected line in order in the output, and returns
// the first it cannot find.
func unmatched(want []*regexp.Regexp, stdout string) string {
	lines := strings.Split(stdout, "\n")
	at := 0
	for _, w := range want {
		for at < len(lines) && !w.MatchString(strings.TrimSpace(lines[at])) {
			at++
		}
		if at == len(lines) {
			return w.String()
		}
		at++
	}
	return ""
}
