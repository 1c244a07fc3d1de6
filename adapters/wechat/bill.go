package wechat

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"

	"github.com/wxmp/wxmp/domain"
)

// The daily trade bill (§10, §15). wechatpay-go has no bill service, so it
// is two hand-rolled calls on core.Client: the apply (signed, its answer
// verified like any other, through call) and the download of the file it
// names. The download is signed too but its answer is not (WeChat sends
// no Wechatpay-* headers with it): the SHA1 of the apply's signed answer
// vouches for the file instead, and is checked once the whole file has
// been read. Lines are streamed to the caller before then, so they are
// provisional until TradeBill returns nil.

var _ domain.WeChatBills = (*Pay)(nil)

// WeChat Pay's bill error codes (HTTP 400).
const (
	codeStatementCreating = "STATEMENT_CREATING" // ask again later (after 10:00 Beijing)
	codeNoStatementExist  = "NO_STATEMENT_EXIST" // no trade that day
)

const opTradeBill = "trade_bill"

// billAnswer is the apply's answer.
type billAnswer struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// newBillDownloader is the client for download_url: our signature on the
// request, no validation of the answer (it is not signed: the SDK's FAQ
// says to use WithoutValidator for it), and no redirect followed, so that
// the file comes from the host we checked or not at all.
func newBillDownloader(mchID, serial string, key *rsa.PrivateKey, hc *http.Client) (*core.Client, error) {
	noRedirect := *hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return core.NewClient(context.Background(),
		option.WithMerchantCredential(mchID, serial, key),
		option.WithoutValidator(),
		option.WithHTTPClient(&noRedirect),
	)
}

// TradeBill fetches the trade bill (bill_type ALL, gzip) of day, a
// Beijing date "2006-01-02", and streams its lines to each (see
// domain.WeChatBills). Everything each received is provisional until
// TradeBill returns nil: a SHA1 mismatch, found at the end of the file,
// is a *domain.BillError{LineNo: 0}. A day that has not ended in Beijing
// is ErrBillNotReady without a call (unless BillsOfOpenDays); a malformed
// day is ErrPaymentRejected.
func (p *Pay) TradeBill(ctx context.Context, day string, each func(domain.BillLine) error) (domain.BillSummary, error) {
	d, err := time.ParseInLocation(time.DateOnly, day, domain.Beijing)
	if err != nil || d.Format(time.DateOnly) != day {
		return domain.BillSummary{}, fmt.Errorf("wechat pay trade bill: bill_date %q is not a date like 2019-07-25: %w", clip(day), domain.ErrPaymentRejected)
	}
	if !p.openDayBills && !p.now().After(d.AddDate(0, 0, 1)) {
		return domain.BillSummary{}, fmt.Errorf("wechat pay trade bill: %s has not ended in Beijing: %w", day, domain.ErrBillNotReady)
	}
	var a billAnswer
	u := p.base + "/v3/bill/tradebill?bill_date=" + day + "&bill_type=ALL&tar_type=GZIP"
	if err := p.call(ctx, opTradeBill, http.MethodGet, u, nil, &a); err != nil {
		return domain.BillSummary{}, err
	}
	dl, hash, err := p.checkBillAnswer(a)
	if err != nil {
		p.log.ErrorContext(ctx, "WeChat Pay trade bill answer unusable", "bill_date", day, "error", err.Error())
		return domain.BillSummary{}, fmt.Errorf("wechat pay trade bill: %w: %w", err, domain.ErrPaymentUnavailable)
	}
	sum, err := p.downloadBill(ctx, dl, hash, each)
	var be *domain.BillError
	if errors.As(err, &be) {
		p.log.ErrorContext(ctx, "WeChat Pay trade bill cannot be believed", "bill_date", day, "line", be.LineNo, "reason", be.Reason)
	}
	return sum, err
}

// checkBillAnswer holds the apply's answer to what we can use: a SHA1, and
// a download_url on the configured host. Our signature goes with the
// download, so it must never go anywhere else.
func (p *Pay) checkBillAnswer(a billAnswer) (string, string, error) {
	if !strings.EqualFold(a.HashType, "SHA1") {
		return "", "", fmt.Errorf("hash_type %q, want SHA1", clip(a.HashType))
	}
	if b, err := hex.DecodeString(a.HashValue); err != nil || len(b) != sha1.Size {
		return "", "", fmt.Errorf("hash_value %q is not a SHA1 in hex", clip(a.HashValue))
	}
	base, _ := url.Parse(p.base) // validated by NewPay
	u, err := url.Parse(a.DownloadURL)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "":
		return "", "", fmt.Errorf("download_url %q is not an absolute URL", clip(a.DownloadURL))
	case u.Scheme != base.Scheme || !strings.EqualFold(u.Host, base.Host) || u.User != nil:
		return "", "", fmt.Errorf("download_url %q is not on %s://%s: refusing to send our signature there", clip(a.DownloadURL), base.Scheme, base.Host)
	}
	return u.String(), strings.ToLower(a.HashValue), nil
}

// downloadBill fetches the gzip file at once (its URL lives 30 s to 5 min)
// and streams it through readTradeBill. p.timeout bounds the wait for the
// answer and then each read, not the whole file, which may be large; the
// time each spends is not counted.
func (p *Pay) downloadBill(ctx context.Context, u, hash string, each func(domain.BillLine) error) (domain.BillSummary, error) {
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stall := time.AfterFunc(p.timeout, cancel)
	defer stall.Stop()
	res, err := p.bills.Get(dctx, u)
	stall.Stop()
	if res != nil && res.Response != nil {
		defer res.Response.Body.Close()
	}
	var apiErr *core.APIError
	switch {
	case errors.As(err, &apiErr):
		code, msg := p.clean(apiErr.Code), p.clean(apiErr.Message)
		p.log.WarnContext(ctx, "WeChat Pay refused the bill download", "status", apiErr.StatusCode, "code", code, "message", msg)
		return domain.BillSummary{}, fmt.Errorf("wechat pay trade bill download: HTTP %d %s (%s): %w", apiErr.StatusCode, code, msg, domain.ErrPaymentUnavailable)
	case err != nil:
		return domain.BillSummary{}, p.downloadError(ctx, dctx, err)
	}
	sum, err := readTradeBill(&stallReader{r: res.Response.Body, t: stall, d: p.timeout}, hash, each)
	var re *billReadError
	if errors.As(err, &re) {
		return domain.BillSummary{}, p.downloadError(ctx, dctx, re.err)
	}
	return sum, err
}

// downloadError explains a download that failed without an answer or
// under the parser: a corrupt gzip stream is the file's fault (a
// BillError), anything else (cut short, stalled, cancelled) is WeChat or
// the network being unavailable. dctx is the download's own context.
func (p *Pay) downloadError(ctx, dctx context.Context, err error) error {
	const op = "trade bill download"
	var corrupt flate.CorruptInputError
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("wechat pay %s: %w: %w", op, ctx.Err(), domain.ErrPaymentUnavailable)
	case dctx.Err() != nil:
		p.log.WarnContext(ctx, "WeChat Pay bill download stalled", "timeout", p.timeout)
		return fmt.Errorf("wechat pay %s: no data for %s: %w", op, p.timeout, domain.ErrPaymentUnavailable)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.As(err, &corrupt):
		return &domain.BillError{Reason: "the download is not a sound gzip file: " + clip(err.Error())}
	}
	msg := p.clean(stripURL(err).Error())
	p.log.WarnContext(ctx, "WeChat Pay bill download failed", "error", msg)
	return fmt.Errorf("wechat pay %s: %s: %w", op, msg, domain.ErrPaymentUnavailable)
}

// readTradeBill gunzips r as a stream, parses it, and checks the SHA1 of
// the uncompressed bytes against hash (lower-case hex) at the end. Errors
// of r come back as *billReadError.
func readTradeBill(r io.Reader, hash string, each func(domain.BillLine) error) (domain.BillSummary, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		if errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.EOF) {
			return domain.BillSummary{}, &domain.BillError{Reason: "the download is not a gzip file"}
		}
		return domain.BillSummary{}, &billReadError{err}
	}
	h := sha1.New()
	sum, err := parseTradeBill(io.TeeReader(gz, h), each)
	if err != nil {
		return domain.BillSummary{}, err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hash {
		return domain.BillSummary{}, &domain.BillError{Reason: fmt.Sprintf("SHA1 of the file is %s, the signed answer says %s: discard every line", got, hash)}
	}
	return sum, nil
}

// stallReader re-arms t (which cancels the download) for d around each
// read, so that a stream that stops sending fails while one that is slow
// to consume does not.
type stallReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (s *stallReader) Read(b []byte) (int, error) {
	s.t.Reset(s.d)
	n, err := s.r.Read(b)
	s.t.Stop()
	return n, err
}
