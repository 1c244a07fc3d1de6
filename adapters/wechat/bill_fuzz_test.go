package wechat

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxmp/wxmp/domain"
)

// FuzzParseTradeBill feeds whole files to the parser. It may not panic;
// it refuses only with a *domain.BillError naming a line the file has
// (0: the file as a whole), never one before a line it streamed; every line it streams holds non-negative
// money (only 手续费 may be negative), in file order; and a bill it
// accepts has as many lines as its summary says and adds up to it.
// Seeds: testdata/fuzz/FuzzParseTradeBill (TestBillFuzzSeeds).
func FuzzParseTradeBill(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n"))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			lines++
		}
		var got domain.BillSummary
		last := 1
		sum, err := parseTradeBill(bytes.NewReader(data), func(l domain.BillLine) error {
			if l.SettledFen < 0 || l.OrderFen < 0 || l.RefundFen < 0 || l.AskedFen < 0 {
				t.Fatalf("line %d streamed with negative money: %+v", l.LineNo, l)
			}
			if l.LineNo <= last || l.LineNo > lines {
				t.Fatalf("line %d streamed after line %d, in a file of %d lines", l.LineNo, last, lines)
			}
			if l.Kind != domain.BillPayment && l.Kind != domain.BillRefund {
				t.Fatalf("line %d: kind %q", l.LineNo, l.Kind)
			}
			last = l.LineNo
			got.Trades++
			got.SettledFen += l.SettledFen
			got.RefundFen += l.RefundFen
			got.FeeE5 += l.FeeE5
			got.OrderFen += l.OrderFen
			got.AskedFen += l.AskedFen
			return nil
		})
		if err != nil {
			var be *domain.BillError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is not a *domain.BillError", err)
			}
			if be.LineNo < 0 || be.LineNo > lines || (be.LineNo != 0 && be.LineNo < last) {
				t.Fatalf("BillError at line %d, after line %d was streamed, in a file of %d lines: %v", be.LineNo, last, lines, be)
			}
			checkForeignText(t, "bill error", err.Error())
			return
		}
		if sum != got || sum.SettledFen < 0 || sum.OrderFen < 0 || sum.RefundFen < 0 || sum.AskedFen < 0 {
			t.Fatalf("accepted with summary %+v, the lines make %+v", sum, got)
		}
	})
}

// billFuzzSeeds are the fuzz target's seeds: the fixtures, and variants
// that stop at each kind of refusal.
func billFuzzSeeds(t *testing.T) map[string]string {
	all := fixture(t, "all.csv")
	lines := strings.SplitAfter(all, "\n")
	return map[string]string{
		"seed-all":             all,
		"seed-shuffled-crlf":   fixture(t, "shuffled.csv"),
		"seed-truncated":       strings.Join(lines[:2], "") + lines[2][:70],
		"seed-no-summary":      strings.Join(lines[:4], ""),
		"seed-bad-amount":      strings.Replace(all, "`19.99,`0.00,`0,", "`19.999,`0.00,`0,", 1),
		"seed-summary-differs": strings.Replace(all, "`3,`25.99", "`2,`25.99", 1),
	}
}

// The seed corpus is written from the fixtures (WXMP_WRITE_FUZZ_SEEDS=1),
// and must stay what they make.
func TestBillFuzzSeeds(t *testing.T) {
	write := os.Getenv("WXMP_WRITE_FUZZ_SEEDS") != ""
	for name, text := range billFuzzSeeds(t) {
		path := filepath.Join("testdata", "fuzz", "FuzzParseTradeBill", name)
		want := corpusFile(t, []byte(text))
		if write {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is missing or stale (%v): WXMP_WRITE_FUZZ_SEEDS=1 go test -run TestBillFuzzSeeds ./adapters/wechat/", path, err)
		}
		_, _, err := parseAll(text)
		if accepted := err == nil; accepted != (name == "seed-all" || name == "seed-shuffled-crlf") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}
