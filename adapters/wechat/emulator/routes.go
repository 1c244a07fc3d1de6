package emulator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// routes registers every endpoint. Patterns carry no method so that a wrong
// method gets a JSON 405 from methods below instead of ServeMux's plain-text
// one; the catch-all gives unknown paths a JSON 404.
func (e *Emulator) routes(cfg Config) http.Handler {
	mux := http.NewServeMux()
	// WeChat's mini-program server APIs: login (package login) and the
	// access_token (package token). stable_token answers any method, as
	// WeChat does: 43002 to all but POST.
	mux.Handle("/sns/jscode2session", methods{http.MethodGet: e.login.JSCode2Session})
	mux.HandleFunc("/cgi-bin/stable_token", e.token.StableToken)
	mux.Handle("/cgi-bin/token", methods{http.MethodGet: e.token.ClassicToken})
	mux.Handle("/wxa/checksession", methods{http.MethodGet: e.login.CheckSession})
	// The phone number (package phone) and subscribe messages (package
	// subscribe). Like stable_token they answer any method: 43002 to all
	// but POST.
	mux.HandleFunc("/wxa/business/getuserphonenumber", e.phone.GetUserPhoneNumber)
	mux.HandleFunc("/cgi-bin/message/subscribe/send", e.sub.Send)
	if e.pay != nil {
		// WeChat Pay APIv3 (package wxpay), each behind its faults.
		mux.Handle("/v3/pay/transactions/jsapi", methods{http.MethodPost: e.pay.PayRoute(wxshared.JSAPI, e.pay.JSAPI)})
		mux.Handle("/v3/pay/transactions/out-trade-no/{no}", methods{http.MethodGet: e.pay.PayRoute(wxshared.QueryOrder, e.pay.QueryOrder)})
		mux.Handle("/v3/pay/transactions/out-trade-no/{no}/close", methods{http.MethodPost: e.pay.PayRoute(wxshared.CloseOrder, e.pay.CloseOrder)})
		mux.Handle("/v3/refund/domestic/refunds", methods{http.MethodPost: e.pay.PayRoute(wxshared.CreateRefund, e.pay.DomesticRefund)})
		mux.Handle("/v3/refund/domestic/refunds/{out_refund_no}", methods{http.MethodGet: e.pay.PayRoute(wxshared.QueryRefund, e.pay.QueryDomesticRefund)})
		mux.Handle("/v3/bill/tradebill", methods{http.MethodGet: e.pay.PayRoute(wxshared.TradeBill, e.pay.TradeBill)})
		mux.Handle("/v3/billdownload/file", methods{http.MethodGet: e.pay.PayRoute(wxshared.BillDownload, e.pay.DownloadBill)})
		// Order shipping management (package shipping), over the paid
		// transactions. Like stable_token they answer any method: 43002
		// to all but POST.
		s := e.ship
		mux.HandleFunc("/wxa/sec/order/upload_shipping_info", s.UploadShippingInfo)
		mux.HandleFunc("/wxa/sec/order/get_order", s.GetOrder)
		mux.HandleFunc("/wxa/sec/order/get_order_list", s.GetOrderList)
		mux.HandleFunc("/wxa/sec/order/notify_confirm_receive", s.NotifyConfirmReceive)
		mux.HandleFunc("/wxa/sec/order/set_msg_jump_path", s.SetMsgJumpPath)
		mux.HandleFunc("/wxa/sec/order/is_trade_managed", s.IsTradeManaged)
		mux.HandleFunc("/wxa/sec/order/is_trade_management_confirmation_completed", s.IsTradeManagementConfirmationCompleted)
		mux.HandleFunc("/cgi-bin/express/delivery/open_msg/get_delivery_list", s.GetDeliveryList)
	}

	// The control API (package control, described in control.openapi.yaml):
	// the user's side of login, test users and faults...
	c := e.control
	mux.Handle("/emulator/login-codes", methods{http.MethodPost: c.PostLoginCode})
	mux.Handle("/emulator/users", methods{http.MethodGet: c.GetUsers})
	mux.Handle("/emulator/users/{name}", methods{http.MethodGet: c.GetUser})
	mux.Handle("/emulator/faults", methods{http.MethodGet: c.GetFaults, http.MethodPost: c.PostFault, http.MethodDelete: c.DeleteFaults})
	mux.Handle("/emulator/token", methods{http.MethodGet: c.GetToken})
	mux.Handle("/emulator/token/invalidate", methods{http.MethodPost: c.PostInvalidateToken})
	mux.Handle("/emulator/pushes", methods{http.MethodGet: c.GetPushes})
	mux.Handle("/emulator/push/verify", methods{http.MethodPost: c.PostVerifyPush})
	// ...the user's side of the phone number button and of
	// wx.requestSubscribeMessage, and the messages a phone shows.
	mux.Handle("/emulator/phone-codes", methods{http.MethodGet: c.GetPhoneCodes, http.MethodPost: c.PostPhoneCode})
	mux.Handle("/emulator/phone/country-code-type", methods{http.MethodGet: c.GetCountryCodeType, http.MethodPut: c.PutCountryCodeType})
	mux.Handle("/emulator/users/{name}/phone", methods{http.MethodGet: c.GetUserPhone, http.MethodPut: c.PutUserPhone, http.MethodDelete: c.DeleteUserPhone})
	mux.Handle("/emulator/subscribe-templates", methods{http.MethodGet: c.GetSubscribeTemplates, http.MethodPost: c.PostSubscribeTemplate})
	mux.Handle("/emulator/subscriptions", methods{http.MethodGet: c.GetSubscriptions, http.MethodPost: c.PostSubscriptions})
	mux.Handle("/emulator/messages", methods{http.MethodGet: c.GetMessages})
	if e.pay != nil {
		// ...the user's side of a payment, transactions, refunds, every
		// notification attempt and the day's bills.
		mux.Handle("/emulator/payments", methods{http.MethodPost: c.PostPayment})
		mux.Handle("/emulator/transactions", methods{http.MethodGet: c.GetTransactions})
		mux.Handle("/emulator/transactions/{no}", methods{http.MethodGet: c.GetTransaction})
		mux.Handle("/emulator/transactions/{no}/pay", methods{http.MethodPost: c.PostPay})
		mux.Handle("/emulator/transactions/{no}/notify", methods{http.MethodPost: c.PostResend})
		mux.Handle("/emulator/transactions/{no}/state", methods{http.MethodPut: c.PutTradeState})
		mux.Handle("/emulator/transactions/{no}/refund", methods{http.MethodPost: c.PostPlatformRefund})
		mux.Handle("/emulator/pay/sign-mode", methods{http.MethodGet: c.GetSignMode, http.MethodPut: c.PutSignMode})
		mux.Handle("/emulator/refunds", methods{http.MethodGet: c.GetRefunds})
		mux.Handle("/emulator/refunds/{out_refund_no}", methods{http.MethodGet: c.GetRefund})
		mux.Handle("/emulator/refunds/{out_refund_no}/complete", methods{http.MethodPost: c.PostCompleteRefund})
		mux.Handle("/emulator/refunds/{out_refund_no}/notify", methods{http.MethodPost: c.PostRefundResend})
		mux.Handle("/emulator/deliveries", methods{http.MethodGet: c.GetDeliveries})
		mux.Handle("/emulator/bills/{day}", methods{http.MethodGet: c.GetBill})
		mux.Handle("/emulator/bills/{day}/ready", methods{http.MethodPost: c.PostBillReady})
		// ...and the shipping orders, with the buyer's and time's moves.
		mux.Handle("/emulator/shipping", methods{http.MethodGet: c.GetShipping})
		mux.Handle("/emulator/shipping/{transaction_id}/confirm", methods{http.MethodPost: c.PostConfirmReceipt})
		mux.Handle("/emulator/shipping/{transaction_id}/settle", methods{http.MethodPost: c.PostSettle})
		mux.Handle("/emulator/shipping/{transaction_id}/remind", methods{http.MethodPost: c.PostRemindShipping})
	}
	// The web console, a page over the control API.
	if cfg.Console != nil {
		mux.Handle("/console/", cfg.Console)
		mux.Handle("/console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		wxshared.WriteControlError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// methods dispatches one path by HTTP method.
type methods map[string]http.HandlerFunc

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	allowed := make([]string, 0, len(m))
	for method := range m {
		allowed = append(allowed, method)
	}
	sort.Strings(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	wxshared.WriteControlError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed, use %s", r.Method, strings.Join(allowed, " or ")))
}
