package wxshared

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Endpoint names a WeChat endpoint that faults can target.
type Endpoint string

const (
	JSCode2Session Endpoint = "jscode2session" // GET /sns/jscode2session
	StableToken    Endpoint = "stable_token"   // POST /cgi-bin/stable_token
	CheckSession   Endpoint = "checksession"   // GET /wxa/checksession
	JSAPI          Endpoint = "jsapi"          // POST /v3/pay/transactions/jsapi
	QueryOrder     Endpoint = "query"          // GET /v3/pay/transactions/out-trade-no/{no}
	CloseOrder     Endpoint = "close"          // POST /v3/pay/transactions/out-trade-no/{no}/close
	Notify         Endpoint = "notify"         // WeChat's payment notifications to notify_url
	CreateRefund   Endpoint = "refund"         // POST /v3/refund/domestic/refunds
	QueryRefund    Endpoint = "refund_query"   // GET /v3/refund/domestic/refunds/{out_refund_no}
	// RefundNotify shapes refund notifications, apart from Notify: a test
	// that drops every payment notification still gets its refunds'.
	RefundNotify Endpoint = "refund_notify"
	TradeBill    Endpoint = "bill"          // GET /v3/bill/tradebill
	BillDownload Endpoint = "bill_download" // GET /v3/billdownload/file

	// The classic access_token (package token).
	Token Endpoint = "token" // GET /cgi-bin/token
	// Order shipping management, 发货信息管理 (package shipping), all
	// POST /wxa/sec/order/... but the delivery list.
	UploadShippingInfo         Endpoint = "upload_shipping_info"
	GetShippingOrder           Endpoint = "get_order"
	GetShippingOrderList       Endpoint = "get_order_list"
	NotifyConfirmReceive       Endpoint = "notify_confirm_receive"
	SetMsgJumpPath             Endpoint = "set_msg_jump_path"
	IsTradeManaged             Endpoint = "is_trade_managed"
	IsTradeManagementConfirmed Endpoint = "is_trade_management_confirmation_completed"
	GetDeliveryList            Endpoint = "get_delivery_list" // POST /cgi-bin/express/delivery/open_msg/get_delivery_list
	// The phone number (手机号快速验证, package phone) and subscribe
	// messages (订阅消息, package subscribe).
	GetUserPhoneNumber Endpoint = "getuserphonenumber" // POST /wxa/business/getuserphonenumber
	SubscribeSend      Endpoint = "subscribe_send"     // POST /cgi-bin/message/subscribe/send
)

// Endpoints lists every endpoint a Fault can name, in the order the
// control API documents them.
var Endpoints = []Endpoint{
	JSCode2Session, StableToken, Token, CheckSession,
	JSAPI, QueryOrder, CloseOrder, Notify, CreateRefund, QueryRefund, RefundNotify, TradeBill, BillDownload,
	UploadShippingInfo, GetShippingOrder, GetShippingOrderList, NotifyConfirmReceive, SetMsgJumpPath,
	IsTradeManaged, IsTradeManagementConfirmed, GetDeliveryList,
	GetUserPhoneNumber, SubscribeSend,
}

// RefundOutcomes queues the faults with a RefundOutcome. They are consumed
// by refunds being created, not by calls (a refused or repeated request
// creates none), so they wait in a queue of their own, which no Fault can
// name.
const RefundOutcomes Endpoint = "refund/outcome"

// BillCorruptions queues the faults with a BillCorrupt, consumed by bills
// handed out (a refused apply hands none), like RefundOutcomes.
const BillCorruptions Endpoint = "bill/corrupt"

// What a Fault.BillCorrupt does to the next bill handed out. The first two
// spoil the file's transport; the other three spoil its contents (one
// payment line, Fault.OutTradeNo's or the first), and hash_value is then
// the SHA1 of the file as written: the file arrives intact, it just says
// something else than the merchant's books.
const (
	BillWrongHash = "hash"     // hash_value is not the file's SHA1
	BillTruncated = "truncate" // the download stops halfway through the file
	// BillWrongAmount: the payment line's 应结订单金额 and 订单金额 (and its
	// 手续费, as for a payment of that amount) are 1 fen more than the
	// transaction was; the summary adds up the line as written.
	BillWrongAmount = "amount"
	// BillDuplicated: the payment line appears twice, one after the other,
	// and the summary counts it twice.
	BillDuplicated = "duplicate"
	// BillMalformed: the payment line's 订单金额 is "abc", not a number; the
	// summary is the one of the true amounts.
	BillMalformed = "malformed"
)

// BillMalformedAmount is what BillMalformed writes in 订单金额.
const BillMalformedAmount = "abc"

// maxBillOutTradeNo is WeChat's longest out_trade_no.
const maxBillOutTradeNo = 32

// The refund statuses (§9) a Fault.RefundOutcome can name; package wxpay
// has all four.
const (
	RefundClosed   = "CLOSED"   // closed: no money moved
	RefundAbnormal = "ABNORMAL" // the money could not reach the user: a person must act
)

// endpointKind groups endpoints by the faults that make sense for them.
type endpointKind int

const (
	unknownEndpoint endpointKind = iota
	errcodeEndpoint              // answers errcode JSON with HTTP 200 (api.weixin.qq.com)
	payEndpoint                  // answers {"code","message"} with an HTTP error status
	notifyEndpoint               // not answered but sent: faults shape deliveries
)

func (ep Endpoint) kind() endpointKind {
	switch ep {
	case JSCode2Session, StableToken, Token, CheckSession,
		UploadShippingInfo, GetShippingOrder, GetShippingOrderList, NotifyConfirmReceive, SetMsgJumpPath,
		IsTradeManaged, IsTradeManagementConfirmed, GetDeliveryList,
		GetUserPhoneNumber, SubscribeSend:
		return errcodeEndpoint
	case JSAPI, QueryOrder, CloseOrder, CreateRefund, QueryRefund, TradeBill, BillDownload:
		return payEndpoint
	case Notify, RefundNotify:
		return notifyEndpoint
	}
	return unknownEndpoint
}

// MaxFaultDelay bounds Fault.Delay: long enough to trip any client timeout,
// short enough that a typo does not park a request for a day.
const MaxFaultDelay = 10 * time.Minute

// Limits on notify faults: enough to show any bug, too few to flood a
// developer's service.
const (
	MaxFaultDuplicate = 10
	MaxFaultDrop      = 100
)

// Fault makes the next Times calls of Endpoint misbehave the way WeChat or
// the network between does. Fields combine: the delay comes first, then the
// HTTP status or error is answered instead of the real response, and the
// call does no work (a login code stays unused, no transaction is created
// or closed). Which fields apply depends on the endpoint; validation
// refuses the others.
type Fault struct {
	Endpoint Endpoint
	// ErrCode (the endpoints of api.weixin.qq.com: login, access_token,
	// order shipping, phone number, subscribe messages), if not zero, is answered (HTTP 200, like WeChat)
	// instead of doing the call's work. Typical values: -1 (system error,
	// retryable), 45011 (minute quota), 40226 (high risk user), 45009
	// (daily quota), 40164 (IP not in the whitelist).
	ErrCode int
	// Code (pay endpoints), if set, is answered as WeChat Pay's error JSON
	// {"code":Code,"message":...}, signed like every WeChat Pay answer but
	// a 401. Typical values: SYSTEM_ERROR (500), FREQUENCY_LIMITED (429),
	// PARAM_ERROR (400); HTTPStatus defaults to WeChat's status for the
	// code, or 500 for a code the emulator does not know.
	Code string
	// ErrMsg overrides WeChat's message for ErrCode (a rid is appended) or
	// for Code.
	ErrMsg string
	// Delay holds the answer back, in real time whatever Config.Now says.
	// If the client goes away first, the call is dropped without effect.
	// On Notify it holds each attempt before it is sent.
	Delay time.Duration
	// HTTPStatus, if not zero, answers with that status and, unless ErrCode
	// or Code is set too, an HTML page like a gateway's. 200 gives a 200
	// with an undecodable body, like a captive portal or a misrouted proxy.
	HTTPStatus int
	// Duplicate (Notify) sends that many extra copies of the notification
	// concurrently with its first attempt that is not dropped, as WeChat
	// sometimes does. Only the original's answer decides about retries.
	Duplicate int
	// Drop (Notify) skips sending the first Drop attempts (recorded with
	// Status 0 and Err "dropped"), so that the retry schedule kicks in.
	Drop int
	// SignTest (Notify) first sends a WECHATPAY/SIGNTEST/ probe, whose
	// signature is invalid and which the merchant must refuse.
	SignTest bool
	// AnswerLost (pay endpoints) lets the call do its work first, as WeChat
	// does when only its answer is lost (a gateway timing out after WeChat
	// acted), and then answers the fault instead: a refund created, a
	// transaction closed, and the merchant told 504 or SYSTEM_ERROR. It
	// needs code or http_status.
	AnswerLost bool
	// RefundOutcome (CreateRefund) is how the next refund(s) created end:
	// RefundAbnormal or RefundClosed instead of SUCCESS. It stands alone
	// (no code, delay or http_status) and counts refunds created, not
	// calls: a refused or repeated request does not use it up.
	RefundOutcome string
	// BillCorrupt (TradeBill) spoils the next bill(s) handed out:
	// BillWrongHash answers a hash_value that is not the file's SHA1,
	// BillTruncated keeps the right hash but serves only the first half
	// of the file; BillWrongAmount, BillDuplicated and BillMalformed spoil
	// one payment line (see OutTradeNo) and hash the file as written. It
	// stands alone, like RefundOutcome, and counts bills handed out, not
	// calls.
	BillCorrupt string
	// OutTradeNo (with BillWrongAmount, BillDuplicated or BillMalformed)
	// names the transaction whose payment line is spoiled; empty means the
	// bill's first payment line. A bill without that payment line (another
	// day's, a REFUND bill, or one without payments) is handed out
	// unspoiled, and the fault is used up all the same.
	OutTradeNo string
	// Times is how many calls the fault affects (on Notify and
	// RefundNotify: how many notifications, each with all its attempts;
	// with RefundOutcome: how many refunds); zero means once.
	Times int
}

func (f Fault) Validate() error {
	switch {
	case f.Endpoint.kind() == unknownEndpoint:
		names := make([]string, len(Endpoints))
		for i, ep := range Endpoints {
			names[i] = fmt.Sprintf("%q", ep)
		}
		return fmt.Errorf("unknown endpoint %q: use one of %s", f.Endpoint, strings.Join(names, ", "))
	case f.Delay < 0 || f.Delay > MaxFaultDelay:
		return fmt.Errorf("delay must be between 0 and %s", MaxFaultDelay)
	case f.HTTPStatus != 0 && (f.HTTPStatus < 200 || f.HTTPStatus > 599):
		return fmt.Errorf("http_status %d is not between 200 and 599", f.HTTPStatus)
	case f.Times < 0:
		return errors.New("times must not be negative")
	case len(f.ErrMsg) > 512:
		return errors.New("errmsg is longer than 512 bytes")
	case f.OutTradeNo != "" && f.BillCorrupt == "":
		return fmt.Errorf("out_trade_no names the payment line that bill_corrupt %q, %q or %q spoils", BillWrongAmount, BillDuplicated, BillMalformed)
	case f.RefundOutcome != "":
		return f.validateRefundOutcome()
	case f.BillCorrupt != "":
		return f.validateBillCorrupt()
	}
	notifyOnly := f.Duplicate != 0 || f.Drop != 0 || f.SignTest
	if f.AnswerLost && (f.Endpoint.kind() != payEndpoint || (f.Code == "" && f.HTTPStatus == 0)) {
		return errors.New("answer_lost is for WeChat Pay endpoints, with the code or http_status answered after the work")
	}
	switch f.Endpoint.kind() {
	case errcodeEndpoint:
		switch {
		case f.Code != "" || notifyOnly:
			return fmt.Errorf("%s answers errcodes: code, duplicate, drop and sign_test are for WeChat Pay endpoints", f.Endpoint)
		case f.ErrCode == 0 && f.Delay == 0 && f.HTTPStatus == 0:
			return errors.New("fault does nothing: set errcode, delay or http_status")
		}
	case payEndpoint:
		switch {
		case f.ErrCode != 0:
			return fmt.Errorf("%s answers WeChat Pay codes: use code, not errcode", f.Endpoint)
		case notifyOnly:
			return errors.New("duplicate, drop and sign_test are for the notify endpoint")
		case f.Code == "" && f.Delay == 0 && f.HTTPStatus == 0:
			return errors.New("fault does nothing: set code, delay or http_status")
		case f.Code != "" && !validPayCode(f.Code):
			return fmt.Errorf("code %q must be 1 to 64 upper-case letters, digits and _", f.Code)
		}
	case notifyEndpoint:
		switch {
		case f.ErrCode != 0 || f.Code != "" || f.HTTPStatus != 0:
			return errors.New("notify faults shape deliveries: use duplicate, drop, delay or sign_test")
		case f.Duplicate < 0 || f.Duplicate > MaxFaultDuplicate:
			return fmt.Errorf("duplicate must be between 0 and %d", MaxFaultDuplicate)
		case f.Drop < 0 || f.Drop > MaxFaultDrop:
			return fmt.Errorf("drop must be between 0 and %d", MaxFaultDrop)
		case !notifyOnly && f.Delay == 0:
			return errors.New("fault does nothing: set duplicate, drop, delay or sign_test")
		}
	}
	return nil
}

func (f Fault) validateRefundOutcome() error {
	switch {
	case f.Endpoint != CreateRefund:
		return fmt.Errorf("refund_outcome is for the %s endpoint", CreateRefund)
	case f.RefundOutcome != RefundAbnormal && f.RefundOutcome != RefundClosed:
		return fmt.Errorf("refund_outcome must be %q or %q", RefundAbnormal, RefundClosed)
	case f.ErrCode != 0 || f.Code != "" || f.ErrMsg != "" || f.HTTPStatus != 0 || f.Delay != 0 ||
		f.Duplicate != 0 || f.Drop != 0 || f.SignTest || f.AnswerLost || f.BillCorrupt != "":
		// A faulted call creates no refund for the outcome to apply to.
		return errors.New("refund_outcome stands alone: queue code, delay or http_status as a fault of its own")
	}
	return nil
}

func (f Fault) validateBillCorrupt() error {
	switch {
	case f.Endpoint != TradeBill:
		return fmt.Errorf("bill_corrupt is for the %s endpoint", TradeBill)
	case !BillCorruptsLine(f.BillCorrupt) && f.BillCorrupt != BillWrongHash && f.BillCorrupt != BillTruncated:
		return fmt.Errorf("bill_corrupt must be %q, %q, %q, %q or %q", BillWrongHash, BillTruncated, BillWrongAmount, BillDuplicated, BillMalformed)
	case f.OutTradeNo != "" && !BillCorruptsLine(f.BillCorrupt):
		return fmt.Errorf("out_trade_no is for bill_corrupt %q, %q or %q: %q spoils the whole file", BillWrongAmount, BillDuplicated, BillMalformed, f.BillCorrupt)
	case len(f.OutTradeNo) > maxBillOutTradeNo:
		return fmt.Errorf("out_trade_no is longer than %d bytes: no transaction has it", maxBillOutTradeNo)
	case f.ErrCode != 0 || f.Code != "" || f.ErrMsg != "" || f.HTTPStatus != 0 || f.Delay != 0 ||
		f.Duplicate != 0 || f.Drop != 0 || f.SignTest || f.AnswerLost:
		// A faulted apply hands out no bill for it to spoil.
		return errors.New("bill_corrupt stands alone: queue code, delay or http_status as a fault of its own")
	}
	return nil
}

// BillCorruptsLine says whether a Fault.BillCorrupt spoils one payment
// line (rather than the file's hash or its download).
func BillCorruptsLine(mode string) bool {
	return mode == BillWrongAmount || mode == BillDuplicated || mode == BillMalformed
}

func validPayCode(code string) bool {
	if len(code) == 0 || len(code) > 64 {
		return false
	}
	for _, c := range []byte(code) {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
