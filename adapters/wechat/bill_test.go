package wechat

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/domain"
)

func tradeBill(p *Pay, day string) ([]domain.BillLine, domain.BillSummary, error) {
	var lines []domain.BillLine
	sum, err := p.TradeBill(context.Background(), day, func(l domain.BillLine) error {
		lines = append(lines, l)
		return nil
	})
	return lines, sum, err
}

// The whole bill: the apply signed and verified, the download signed over
// its path and query and accepted without Wechatpay-* headers, the lines
// and summary of §15's sample.
func TestTradeBill(t *testing.T) {
	b := newBillServer(t)
	p := billPay(t, b.srv.URL, 5*time.Second)
	lines, sum, err := tradeBill(p, "2019-07-25")
	if err != nil {
		t.Fatal(err)
	}
	sameLines(t, lines, fixtureLines())
	if sum != fixtureSummary {
		t.Errorf("summary %+v, want %+v", sum, fixtureSummary)
	}
	reqs, bad := b.seen()
	want := []string{"GET /v3/bill/tradebill?bill_date=2019-07-25&bill_type=ALL&tar_type=GZIP",
		"GET /v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO&tartype=gzip"}
	if strings.Join(reqs, "\n") != strings.Join(want, "\n") || len(bad) != 0 {
		t.Errorf("requests %q (bad Authorization: %q), want %q", reqs, bad, want)
	}
	// The file keeps its comma-holding 商品名称 and CRLF layout too.
	b.set(func(b *billServer) { b.file = fixture(t, "shuffled.csv") })
	if lines, _, err := tradeBill(p, "2019-07-25"); err != nil || len(lines) != 3 {
		t.Errorf("shuffled bill: %d lines, %v", len(lines), err)
	}
}

func TestTradeBillRefusals(t *testing.T) {
	foreign := newBillServer(t) // another host: must never see a request
	cases := []struct {
		name      string
		set       func(*billServer)
		sentinel  error
		mentions  string
		downloads bool // whether the download was asked for
		streamed  int
	}{
		{"STATEMENT_CREATING", func(b *billServer) {
			b.applyStatus, b.applyBody = 400, `{"code":"STATEMENT_CREATING","message":"账单生成中"}`
		}, domain.ErrBillNotReady, "STATEMENT_CREATING", false, 0},
		{"NO_STATEMENT_EXIST", func(b *billServer) {
			b.applyStatus, b.applyBody = 400, `{"code":"NO_STATEMENT_EXIST","message":"请求的账单文件不存在"}`
		}, domain.ErrNoBill, "NO_STATEMENT_EXIST", false, 0},
		{"SYSTEM_ERROR", func(b *billServer) {
			b.applyStatus, b.applyBody = 500, `{"code":"SYSTEM_ERROR","message":"系统错误"}`
		}, domain.ErrPaymentUnavailable, "SYSTEM_ERROR", false, 0},
		{"502 without a body", func(b *billServer) { b.applyStatus = 502 }, domain.ErrPaymentUnavailable, "502", false, 0},
		{"PARAM_ERROR", func(b *billServer) {
			b.applyStatus, b.applyBody = 400, `{"code":"PARAM_ERROR","message":"bill_date超出3个月"}`
		}, domain.ErrPaymentRejected, "PARAM_ERROR", false, 0},
		{"apply answer signed by a stranger", func(b *billServer) { b.applyUnsign = true },
			domain.ErrPaymentUnavailable, "signature", false, 0},
		{"download_url on another host", func(b *billServer) { b.downloadURL = foreign.srv.URL + "/v3/billdownload/file?token=x" },
			domain.ErrPaymentUnavailable, "refusing to send our signature", false, 0},
		{"download_url over https on our host", func(b *billServer) {
			b.downloadURL = strings.Replace(b.srv.URL, "http:", "https:", 1) + "/v3/billdownload/file?token=x"
		}, domain.ErrPaymentUnavailable, "refusing to send our signature", false, 0},
		{"download_url relative", func(b *billServer) { b.downloadURL = "/v3/billdownload/file?token=x" },
			domain.ErrPaymentUnavailable, "not an absolute URL", false, 0},
		{"hash_type MD5", func(b *billServer) { b.hashType = "MD5" }, domain.ErrPaymentUnavailable, "hash_type", false, 0},
		{"hash_value not hex", func(b *billServer) { b.hash = "79bb0f" }, domain.ErrPaymentUnavailable, "hash_value", false, 0},
		{"download refused", func(b *billServer) {
			b.download = func(w http.ResponseWriter) { http.Error(w, `{"code":"INVALID_REQUEST","message":"token过期"}`, 400) }
		}, domain.ErrPaymentUnavailable, "INVALID_REQUEST", true, 0},
		{"download redirected to another host", func(b *billServer) {
			b.download = func(w http.ResponseWriter) {
				w.Header().Set("Location", foreign.srv.URL+"/v3/billdownload/file?token=x")
				w.WriteHeader(http.StatusFound)
			}
		}, domain.ErrPaymentUnavailable, "302", true, 0},
		{"download cut short", func(b *billServer) {
			z := gzipped(t, b.file)
			b.download = func(w http.ResponseWriter) { _, _ = w.Write(z[:len(z)-12]) }
		}, domain.ErrPaymentUnavailable, "unexpected EOF", true, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBillServer(t)
			b.set(c.set)
			lines, _, err := tradeBill(billPay(t, b.srv.URL, 5*time.Second), "2019-07-25")
			wantErr(t, err, c.sentinel, c.mentions)
			reqs, bad := b.seen()
			if len(bad) != 0 {
				t.Errorf("Authorization refused: %q", bad)
			}
			if downloaded := len(reqs) == 2; downloaded != c.downloads {
				t.Errorf("requests %q: downloaded %v, want %v", reqs, downloaded, c.downloads)
			}
			if c.streamed >= 0 && len(lines) != c.streamed {
				t.Errorf("%d lines streamed, want %d", len(lines), c.streamed)
			}
		})
	}
	if reqs, _ := foreign.seen(); len(reqs) != 0 {
		t.Errorf("the foreign host got %q: our signature went there", reqs)
	}
}

// What the file says is checked after it has been streamed: a SHA1
// mismatch comes when every line has been handed over already, which is
// why lines are provisional until TradeBill returns nil.
func TestTradeBillRefusesTheFile(t *testing.T) {
	cases := []struct {
		name     string
		set      func(*billServer)
		line     int
		mentions string
		streamed int
	}{
		{"SHA1 mismatch", func(b *billServer) { b.hash = strings.Repeat("ab", 20) }, 0, "SHA1", 3},
		{"SHA1 of the compressed file", func(b *billServer) {
			s := sha1.Sum(gzipped(t, b.file))
			b.hash = hex.EncodeToString(s[:])
		}, 0, "SHA1", 3},
		{"not gzip", func(b *billServer) {
			b.download = func(w http.ResponseWriter) { _, _ = w.Write([]byte(b.file)) }
		}, 0, "not a gzip file", 0},
		{"empty download", func(b *billServer) { b.download = func(w http.ResponseWriter) {} }, 0, "not a gzip file", 0},
		{"gzip checksum wrong", func(b *billServer) {
			z := gzipped(t, b.file)
			z[len(z)-6] ^= 0xff // the CRC-32 in the trailer
			b.download = func(w http.ResponseWriter) { _, _ = w.Write(z) }
		}, 0, "gzip", 3},
		{"a line malformed", func(b *billServer) {
			b.file = strings.Replace(b.file, "`19.99,`0.00,`0,", "`19.999,`0.00,`0,", 1)
		}, 3, "应结订单金额", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBillServer(t)
			b.set(c.set)
			lines, sum, err := tradeBill(billPay(t, b.srv.URL, 5*time.Second), "2019-07-25")
			var be *domain.BillError
			if !errors.As(err, &be) || be.LineNo != c.line || !strings.Contains(be.Reason, c.mentions) {
				t.Fatalf("error %v, want a BillError at line %d mentioning %q", err, c.line, c.mentions)
			}
			if len(lines) != c.streamed || sum != (domain.BillSummary{}) {
				t.Errorf("%d lines streamed and summary %+v, want %d and none", len(lines), sum, c.streamed)
			}
		})
	}
	t.Run("stalled download", func(t *testing.T) {
		b := newBillServer(t)
		release := make(chan struct{})
		t.Cleanup(func() { close(release) }) // before the server closes: Close waits for the handler
		b.set(func(b *billServer) {
			z := gzipped(t, b.file)
			b.download = func(w http.ResponseWriter) {
				_, _ = w.Write(z[:20])
				w.(http.Flusher).Flush()
				b.mu.Unlock() // let the test read what the server saw
				defer b.mu.Lock()
				<-release
			}
		})
		start := time.Now()
		_, _, err := tradeBill(billPay(t, b.srv.URL, 300*time.Millisecond), "2019-07-25")
		wantErr(t, err, domain.ErrPaymentUnavailable, "no data for 300ms")
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("gave up after %s", d)
		}
	})
}

// each's error stops the download and is returned as it is.
func TestTradeBillStopsOnEachError(t *testing.T) {
	b := newBillServer(t)
	stop := errors.New("stop")
	n := 0
	_, err := billPay(t, b.srv.URL, 5*time.Second).TradeBill(t.Context(), "2019-07-25", func(domain.BillLine) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("error %v after %d lines, want stop after 1", err, n)
	}
}

// A day that is not a date is refused, and one that has not ended in
// Beijing is not ready, both without a request.
func TestTradeBillDays(t *testing.T) {
	b := newBillServer(t)
	p := billPay(t, b.srv.URL, 5*time.Second)
	for _, day := range []string{"", "2019-7-25", "20190725", "2019-07-25 ", "2019-02-30", "2019-07-25&bill_type=SUCCESS", "２０１９-07-25"} {
		_, _, err := tradeBill(p, day)
		wantErr(t, err, domain.ErrPaymentRejected, "bill_date")
	}
	now := time.Now().In(domain.Beijing)
	for _, day := range []string{now.Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)} {
		_, _, err := tradeBill(p, day)
		wantErr(t, err, domain.ErrBillNotReady, "has not ended")
	}
	if reqs, _ := b.seen(); len(reqs) != 0 {
		t.Errorf("requests sent: %q", reqs)
	}
	// Yesterday has ended: it is asked for.
	if _, _, err := tradeBill(p, now.AddDate(0, 0, -1).Format(time.DateOnly)); err != nil {
		t.Errorf("yesterday: %v", err)
	}
}
