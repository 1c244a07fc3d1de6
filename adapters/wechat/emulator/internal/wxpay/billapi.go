package wxpay

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The trade bill's two calls (§15): apply (GET /v3/bill/tradebill), signed
// like every answer, hands out a SHA1 and a download_url; the download
// (GET /v3/billdownload/file) needs the merchant's signature too but is
// answered unsigned, the file itself, gzip if asked. A day's bill exists
// from 10:00 Beijing the next day (MakeBillReady brings it forward). A
// queued Fault.BillCorrupt spoils the next bill handed out: one payment
// line of the file (spoilBillLines, bill.go), its hash_value, or its
// download.

// BillURLLifetime is how long a download_url works, per WeChat's current
// page (an older one says 30 s). A token can be downloaded any number of
// times until then: WeChat documents a lifetime, not a single use, and
// SDKs retry a failed download with the same URL.
const BillURLLifetime = 5 * time.Minute

// billMonths is how far back bills can be asked for.
const billMonths = 3

// Errors of the bill methods.
var (
	ErrBadBillDate = errors.New("emulator: not a bill date (yyyy-MM-dd, not in the future, within 3 months)")
	ErrNoBill      = errors.New("emulator: no trade that day: there is no bill")
)

// billFile is a bill handed out, as its download will serve it.
type billFile struct {
	data    []byte // gzip-compressed if gzip
	gzip    bool
	expires time.Time
}

type billAnswer struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// billQuery is an apply's parameters as parsed.
type billQuery struct {
	date, billType string
	start, end     time.Time
	gzip           bool
}

// TradeBill: GET /v3/bill/tradebill
func (e *Server) TradeBill(w http.ResponseWriter, r *http.Request) {
	if _, ok := e.authenticate(w, r); !ok {
		return
	}
	q, f := e.parseBillQuery(r.URL.Query())
	if f != nil {
		e.writeFailure(w, f)
		return
	}
	e.mu.Lock()
	ready := e.billsReady[q.date] || !e.now().Before(q.end.Add(10*time.Hour))
	lines := e.billLinesLocked(q.start, q.end, q.billType)
	var file []byte
	var corrupt wxshared.Fault // a Fault.BillCorrupt, used up by a bill handed out
	if ready && len(lines) > 0 {
		corrupt, _ = e.faults.Take(wxshared.BillCorruptions)
		lines = spoilBillLines(lines, corrupt)
		file = renderBill(q.billType, lines) // under mu: lines point into live records
	}
	e.mu.Unlock()
	switch {
	case !ready:
		e.writePayError(w, http.StatusBadRequest, "STATEMENT_CREATING", "账单生成中")
		return
	case file == nil:
		e.writePayError(w, http.StatusBadRequest, "NO_STATEMENT_EXIST", "请求的账单文件不存在")
		return
	}
	sum := sha1.Sum(file) // of the file as written, spoilt lines and all
	hash := hex.EncodeToString(sum[:])
	switch corrupt.BillCorrupt {
	case wxshared.BillWrongHash:
		sum[0] ^= 0xff
		hash = hex.EncodeToString(sum[:])
	case wxshared.BillTruncated:
		file = file[:len(file)/2]
	}
	served := file
	if q.gzip {
		served = gzipBytes(file)
	}
	token := wxshared.RandomAlnum(48)
	e.mu.Lock()
	now := e.now()
	for t, b := range e.bills {
		if !now.Before(b.expires) {
			delete(e.bills, t)
		}
	}
	e.bills[token] = &billFile{data: served, gzip: q.gzip, expires: now.Add(BillURLLifetime)}
	e.mu.Unlock()
	u := baseURL(r) + "/v3/billdownload/file?token=" + token
	if q.gzip {
		u += "&tartype=gzip"
	}
	e.writeSigned(w, http.StatusOK, billAnswer{HashType: "SHA1", HashValue: hash, DownloadURL: u})
}

// DownloadBill: GET /v3/billdownload/file?token=...
func (e *Server) DownloadBill(w http.ResponseWriter, r *http.Request) {
	if _, ok := e.authenticate(w, r); !ok {
		return
	}
	token := r.URL.Query().Get("token")
	e.mu.Lock()
	b, ok := e.bills[token]
	if ok && !e.now().Before(b.expires) {
		delete(e.bills, token)
		ok = false
	}
	e.mu.Unlock()
	if !ok {
		e.writePayError(w, http.StatusBadRequest, "INVALID_REQUEST", "下载链接无效或已过期，请重新申请账单")
		return
	}
	// The file itself, with no Wechatpay-* headers: the SHA1 from the
	// apply is what vouches for it.
	h := w.Header()
	h.Set("Request-ID", requestID())
	h.Set("Content-Type", "text/plain;charset=utf-8")
	if b.gzip {
		h.Set("Content-Type", "application/x-gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(b.data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.data)
}

// parseBillQuery checks an apply's parameters in WeChat's order.
func (e *Server) parseBillQuery(v url.Values) (billQuery, *payFailure) {
	q := billQuery{date: v.Get("bill_date"), billType: BillAll}
	if !v.Has("bill_date") {
		return q, paramError(missingField("bill_date"))
	}
	var err error
	if q.start, q.end, err = e.billDate(q.date); err != nil {
		return q, paramError(invalidField("bill_date", err.Error()))
	}
	if v.Has("bill_type") {
		switch q.billType = v.Get("bill_type"); q.billType {
		case BillAll, BillSuccess, BillRefund:
		default:
			return q, paramError(invalidField("bill_type", "仅支持 ALL、SUCCESS、REFUND"))
		}
	}
	if v.Has("tar_type") { // present but empty is refused too, as WeChat does
		if v.Get("tar_type") != "GZIP" {
			return q, paramError(invalidField("tar_type", "仅支持 GZIP，不压缩时请不传该参数"))
		}
		q.gzip = true
	}
	return q, nil
}

// billDate parses a bill date and checks it is at most 3 months back and
// not after today (Beijing).
func (e *Server) billDate(date string) (start, end time.Time, err error) {
	start, end, err = billDay(date)
	if err != nil {
		return start, end, fmt.Errorf("格式须为 yyyy-MM-DD: %w", err)
	}
	today, _, _ := billDay(e.now().In(wxshared.CST).Format(time.DateOnly))
	switch {
	case start.After(today):
		return start, end, errors.New("不能晚于今天")
	case start.Before(today.AddDate(0, -billMonths, 0)):
		return start, end, errors.New("仅支持下载三个月内的账单")
	}
	return start, end, nil
}

// MakeBillReady makes date's bill available now rather than at 10:00
// Beijing the next day (POST /emulator/bills/{day}/ready), for make run
// and tests. Bills are built when asked for, so one of today keeps
// growing with today's trades.
func (e *Server) MakeBillReady(date string) error {
	if _, _, err := e.billDate(date); err != nil {
		return fmt.Errorf("%w: %s", ErrBadBillDate, err.Error())
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.billsReady[date] = true
	return nil
}

// BillReady says whether date's bill can be applied for now.
func (e *Server) BillReady(date string) bool {
	_, end, err := billDay(date)
	if err != nil {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.billsReady[date] || !e.now().Before(end.Add(10*time.Hour))
}

// Bill is date's bill of billType ("" means ALL) as the download would
// serve it uncompressed, whether or not it is ready yet (GET
// /emulator/bills/{day}). Errors: ErrBadBillDate, ErrNoBill.
func (e *Server) Bill(date, billType string) ([]byte, error) {
	start, end, err := e.billDate(date)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadBillDate, err.Error())
	}
	switch billType {
	case "":
		billType = BillAll
	case BillAll, BillSuccess, BillRefund:
	default:
		return nil, fmt.Errorf("emulator: bill_type %q: use ALL, SUCCESS or REFUND", billType)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	lines := e.billLinesLocked(start, end, billType)
	if len(lines) == 0 {
		return nil, ErrNoBill
	}
	return renderBill(billType, lines), nil
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b) // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes()
}

// baseURL is the emulator as the caller reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
