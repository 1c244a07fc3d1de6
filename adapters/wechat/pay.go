package wechat

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/domain"
)

// DefaultPayTimeout bounds each WeChat Pay request when PayConfig.Timeout is zero.
const DefaultPayTimeout = 10 * time.Second

// chinaTime is how WeChat Pay writes times (time_expire, success_time).
// China has had no daylight saving since 1991, so a fixed zone is exact and
// needs no tzdata in the container.
var chinaTime = time.FixedZone("CST", 8*60*60)

// PayConfig says where WeChat Pay lives and who we are to it.
type PayConfig struct {
	BaseURL       string // https://api.mch.weixin.qq.com, or the emulator's URL
	AppID, MchID  string
	MchCertSerial string          // serial of the merchant API certificate (apiclient_cert.pem)
	MchPrivateKey *rsa.PrivateKey // apiclient_key.pem: signs requests and paySign
	APIv3Key      string          // 32 bytes: decrypts notifications
	// WeChat signs its answers and notifications with either its public key
	// (PublicKeyID "PUB_KEY_ID_...", merchants since late 2024) or platform
	// certificates. At least one is required; configure both while WeChat
	// migrates a merchant, when both kinds of signature arrive.
	PublicKeyID   string
	PublicKey     *rsa.PublicKey
	PlatformCerts []*x509.Certificate
	// NotifyURL receives payment notifications. It must be https, except
	// that http is allowed when BaseURL is http: only an emulator talks
	// plain http, and the real WeChat refuses http notify URLs anyway.
	NotifyURL string
	// RefundNotifyURL receives refund notifications, checked like
	// NotifyURL. Only CreateRefund needs it, and refuses to run without
	// it: WeChat would refund without telling us.
	RefundNotifyURL string
	Timeout         time.Duration    // per request; zero means DefaultPayTimeout
	Now             func() time.Time // nil means time.Now; notification replay window and paySign timestamps
	// BillsOfOpenDays asks for the bill of a day that has not ended yet
	// instead of knowing it cannot exist. Only the emulator, which can make
	// today's bill at once (make run shows a day with it), has one.
	BillsOfOpenDays bool
}

// Pay is the merchant's side of WeChat Pay APIv3 for JSAPI (mini-program)
// payments, their refunds (refund.go) and the daily trade bill (bill.go).
// The official SDK signs requests, verifies answers and
// notifications and decrypts resources; Pay chooses URLs (from
// configuration: the SDK's service clients hard-code WeChat's host) and
// translates WeChat's answers into domain types and errors. It is safe for
// concurrent use.
type Pay struct {
	base            string // BaseURL without a trailing slash
	appID           string
	mchID           string
	key             *rsa.PrivateKey
	notifyURL       string
	refundNotifyURL string // "" when refunds are not used
	timeout         time.Duration
	now             func() time.Time
	openDayBills    bool
	client          *core.Client
	bills           *core.Client // downloads bill files (bill.go)
	verifier        *serialVerifier
	apiV3Key        string // decrypts notifications; also redacted from foreign text
	log             *slog.Logger
}

var (
	_ domain.WeChatPay     = (*Pay)(nil)
	_ domain.WeChatRefunds = (*Pay)(nil)
	// domain.WeChatBills: bill.go
)

// NewPay validates cfg and builds the SDK client around hc (nil: a client of
// its own; timeouts are set per request through the context). A nil log
// discards. Error messages name what is wrong without quoting any key.
func NewPay(cfg PayConfig, hc *http.Client, log *slog.Logger) (*Pay, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("wechat pay: %w", err)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v := newSerialVerifier(cfg.PublicKeyID, cfg.PublicKey, cfg.PlatformCerts)
	client, err := core.NewClient(context.Background(),
		option.WithMerchantCredential(cfg.MchID, cfg.MchCertSerial, cfg.MchPrivateKey),
		option.WithVerifier(v),
		option.WithHTTPClient(hc),
	)
	if err != nil {
		return nil, fmt.Errorf("wechat pay: build SDK client: %w", err)
	}
	bills, err := newBillDownloader(cfg.MchID, cfg.MchCertSerial, cfg.MchPrivateKey, hc)
	if err != nil {
		return nil, fmt.Errorf("wechat pay: build SDK client for bill files: %w", err)
	}
	p := &Pay{
		base: strings.TrimRight(cfg.BaseURL, "/"), appID: cfg.AppID, mchID: cfg.MchID,
		key: cfg.MchPrivateKey, notifyURL: cfg.NotifyURL, refundNotifyURL: cfg.RefundNotifyURL, timeout: cfg.Timeout, now: cfg.Now,
		openDayBills: cfg.BillsOfOpenDays,
		client:       client, bills: bills, verifier: v, apiV3Key: cfg.APIv3Key,
		log: log.With("component", "wechat.pay"),
	}
	if p.timeout == 0 {
		p.timeout = DefaultPayTimeout
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

func (c PayConfig) validate() error {
	base, err := url.Parse(c.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return fmt.Errorf("BaseURL %q must be an absolute http(s) URL without a query", c.BaseURL)
	}
	switch {
	case c.AppID == "":
		return errors.New("AppID is required")
	case c.MchID == "":
		return errors.New("MchID is required")
	case c.MchCertSerial == "" || strings.ContainsAny(c.MchCertSerial, "\",\\ \t\r\n"):
		// It is quoted inside the Authorization header.
		return errors.New("MchCertSerial is required and must be the certificate's hex serial")
	case c.MchPrivateKey == nil:
		return errors.New("MchPrivateKey is required")
	case c.MchPrivateKey.N.BitLen() < 2048:
		return fmt.Errorf("MchPrivateKey has %d bits, WeChat Pay APIv3 needs RSA 2048", c.MchPrivateKey.N.BitLen())
	case len(c.APIv3Key) != 32:
		return fmt.Errorf("APIv3Key must be 32 bytes (AES-256), got %d", len(c.APIv3Key))
	case (c.PublicKeyID == "") != (c.PublicKey == nil):
		return errors.New("PublicKeyID and PublicKey go together: set both or neither")
	case c.PublicKey != nil && !strings.HasPrefix(strings.ToUpper(c.PublicKeyID), "PUB_KEY_ID_"):
		return fmt.Errorf("PublicKeyID %q must start with PUB_KEY_ID_ (a certificate serial belongs in PlatformCerts)", c.PublicKeyID)
	case c.PublicKey == nil && len(c.PlatformCerts) == 0:
		return errors.New("WeChat Pay's signatures cannot be verified: set PublicKeyID and PublicKey, or PlatformCerts, or both")
	case c.Timeout < 0:
		return fmt.Errorf("Timeout must not be negative, got %s", c.Timeout)
	}
	for i, crt := range c.PlatformCerts {
		if crt == nil {
			return fmt.Errorf("PlatformCerts[%d] is nil", i)
		}
		if _, ok := crt.PublicKey.(*rsa.PublicKey); !ok {
			return fmt.Errorf("PlatformCerts[%d] (serial %s) does not hold an RSA key", i, CertificateSerial(crt))
		}
	}
	if err := checkNotifyURL("NotifyURL", c.NotifyURL, base); err != nil {
		return err
	}
	if c.RefundNotifyURL != "" {
		if c.RefundNotifyURL == c.NotifyURL {
			// Refund results would reach the payment handler, which answers
			// 204 to an event it does not apply: WeChat would never resend.
			return errors.New("RefundNotifyURL must differ from NotifyURL (refund results have their own handler)")
		}
		return checkNotifyURL("RefundNotifyURL", c.RefundNotifyURL, base)
	}
	return nil
}

// checkNotifyURL holds a notify URL to what WeChat Pay accepts.
func checkNotifyURL(field, s string, base *url.URL) error {
	n, err := url.Parse(s)
	switch {
	case err != nil || n.Host == "" || (n.Scheme != "https" && n.Scheme != "http"):
		return fmt.Errorf("%s %q must be an absolute https URL", field, s)
	case n.Scheme == "http" && base.Scheme != "http":
		return fmt.Errorf("%s %q must be https: WeChat Pay only notifies https URLs (http is allowed only with an http BaseURL, i.e. an emulator)", field, s)
	case n.RawQuery != "" || n.ForceQuery || n.Fragment != "":
		return fmt.Errorf("%s %q must not carry a query string: WeChat Pay refuses it", field, s)
	case len(s) > 255:
		return fmt.Errorf("%s is %d characters, WeChat Pay allows 255", field, len(s))
	}
	return nil
}

// Prepay creates the JSAPI transaction (or, called again with identical
// parameters, finds it) and returns its prepay_id. Errors wrap
// domain.ErrPaymentRejected (invalid request, checked before any call, or
// refused by WeChat) or domain.ErrPaymentUnavailable.
func (p *Pay) Prepay(ctx context.Context, r domain.PrepayRequest) (string, error) {
	if err := p.checkPrepay(r); err != nil {
		return "", fmt.Errorf("wechat pay prepay: %w: %w", err, domain.ErrPaymentRejected)
	}
	req := jsapi.PrepayRequest{
		Appid:       core.String(p.appID),
		Mchid:       core.String(p.mchID),
		Description: core.String(r.Description),
		OutTradeNo:  core.String(r.OutTradeNo),
		NotifyUrl:   core.String(p.notifyURL),
		Amount:      &jsapi.Amount{Total: core.Int64(r.TotalFen), Currency: core.String("CNY")},
		Payer:       &jsapi.Payer{Openid: core.String(r.PayerOpenID)},
	}
	if !r.ExpiresAt.IsZero() {
		// The SDK formats it RFC3339 in its own zone: China time, whole
		// seconds, as WeChat shows it.
		req.TimeExpire = core.Time(r.ExpiresAt.In(chinaTime).Truncate(time.Second))
	}
	var resp jsapi.PrepayResponse
	if err := p.call(ctx, "prepay", http.MethodPost, p.base+"/v3/pay/transactions/jsapi", req, &resp); err != nil {
		return "", err
	}
	if resp.PrepayId == nil || *resp.PrepayId == "" {
		p.log.ErrorContext(ctx, "WeChat Pay prepay answer without prepay_id", "out_trade_no", r.OutTradeNo)
		return "", fmt.Errorf("wechat pay prepay: answer without prepay_id: %w", domain.ErrPaymentUnavailable)
	}
	return *resp.PrepayId, nil
}

func (p *Pay) checkPrepay(r domain.PrepayRequest) error {
	if err := checkOutTradeNo(r.OutTradeNo); err != nil {
		return err
	}
	switch n := utf8.RuneCountInString(r.Description); {
	case !utf8.ValidString(r.Description) || n == 0 || n > 127:
		return fmt.Errorf("description must be 1 to 127 characters of UTF-8, got %d", n)
	case r.TotalFen <= 0:
		return fmt.Errorf("amount must be positive, got %d fen", r.TotalFen)
	case r.PayerOpenID == "":
		return errors.New("payer openid is required")
	case !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(p.now()):
		return fmt.Errorf("time_expire %s is not in the future", r.ExpiresAt.In(chinaTime).Format(time.RFC3339))
	}
	return nil
}

// checkOutTradeNo enforces WeChat's format, so that a bad number is refused
// here and can be put into a URL path safely.
func checkOutTradeNo(no string) error {
	if len(no) < 6 || len(no) > 32 {
		return fmt.Errorf("out_trade_no must be 6 to 32 characters, got %d", len(no))
	}
	for _, c := range []byte(no) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-') {
			return fmt.Errorf("out_trade_no %q may hold only 0-9, A-Z, a-z, _ and -", clip(no))
		}
	}
	return nil
}

// PaymentParams signs the wx.requestPayment arguments for prepayID (APIv3:
// signType RSA, paySign over "appid\ntimeStamp\nnonceStr\npackage\n").
func (p *Pay) PaymentParams(prepayID string) (domain.PaymentParams, error) {
	if prepayID == "" || strings.ContainsAny(prepayID, "\r\n") {
		return domain.PaymentParams{}, fmt.Errorf("wechat pay: payment params: malformed prepay_id: %w", domain.ErrPaymentRejected)
	}
	nonce, err := utils.GenerateNonce() // 32 characters, the most WeChat allows
	if err != nil {
		return domain.PaymentParams{}, fmt.Errorf("wechat pay: payment params: nonce: %w", err)
	}
	ts := strconv.FormatInt(p.now().Unix(), 10)
	pkg := "prepay_id=" + prepayID
	sig, err := utils.SignSHA256WithRSA(p.appID+"\n"+ts+"\n"+nonce+"\n"+pkg+"\n", p.key)
	if err != nil {
		return domain.PaymentParams{}, fmt.Errorf("wechat pay: payment params: sign: %w", err)
	}
	return domain.PaymentParams{TimeStamp: ts, NonceStr: nonce, Package: pkg, SignType: "RSA", PaySign: sig}, nil
}

// QueryOrder asks WeChat for the transaction of outTradeNo; the answer's
// signature is verified. domain.ErrNotFound if WeChat has none.
func (p *Pay) QueryOrder(ctx context.Context, outTradeNo string) (domain.Transaction, error) {
	if err := checkOutTradeNo(outTradeNo); err != nil {
		return domain.Transaction{}, fmt.Errorf("wechat pay query: %w: %w", err, domain.ErrPaymentRejected)
	}
	u := p.base + "/v3/pay/transactions/out-trade-no/" + url.PathEscape(outTradeNo) + "?mchid=" + url.QueryEscape(p.mchID)
	var w payments.Transaction
	if err := p.call(ctx, "query", http.MethodGet, u, nil, &w); err != nil {
		return domain.Transaction{}, err
	}
	t, err := toTransaction(w)
	if err == nil && t.OutTradeNo != outTradeNo {
		err = fmt.Errorf("answer is about out_trade_no %q", clip(t.OutTradeNo))
	}
	if err != nil {
		p.log.ErrorContext(ctx, "WeChat Pay query answer unusable", "out_trade_no", outTradeNo, "error", err.Error())
		return domain.Transaction{}, fmt.Errorf("wechat pay query: %w: %w", err, domain.ErrPaymentUnavailable)
	}
	return t, nil
}

// CloseOrder closes an unpaid transaction. WeChat answering ORDER_NOT_EXIST
// is success: a transaction it never saw cannot be paid either.
func (p *Pay) CloseOrder(ctx context.Context, outTradeNo string) error {
	if err := checkOutTradeNo(outTradeNo); err != nil {
		return fmt.Errorf("wechat pay close: %w: %w", err, domain.ErrPaymentRejected)
	}
	u := p.base + "/v3/pay/transactions/out-trade-no/" + url.PathEscape(outTradeNo) + "/close"
	err := p.call(ctx, "close", http.MethodPost, u, &jsapi.CloseRequest{Mchid: core.String(p.mchID)}, nil)
	if errors.Is(err, domain.ErrNotFound) {
		p.log.InfoContext(ctx, "closing a transaction WeChat Pay never saw", "out_trade_no", outTradeNo)
		return nil
	}
	return err
}
