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
	// WeChat mini-program open API (login.go).
	mux.Handle("/sns/jscode2session", methods{http.MethodGet: e.login.JSCode2Session})
	mux.Handle("/cgi-bin/stable_token", methods{http.MethodPost: e.login.StableToken})
	mux.Handle("/wxa/checksession", methods{http.MethodGet: e.login.CheckSession})
	// Control API (control.go).
	mux.Handle("/emulator/login-codes", methods{http.MethodPost: e.login.PostLoginCode})
	mux.Handle("/emulator/users/{name}", methods{http.MethodGet: e.login.GetUser})
	mux.Handle("/emulator/faults", methods{
		http.MethodGet:    e.faults.GetFaults, // console_api.go
		http.MethodPost:   e.faults.PostFault,
		http.MethodDelete: e.faults.DeleteFaults,
	})
	mux.Handle("/emulator/users", methods{http.MethodGet: e.login.GetUsers}) // console_api.go
	if cfg.Console != nil {
		mux.Handle("/console/", cfg.Console)
		mux.Handle("/console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	}
	if e.pay != nil {
		// WeChat Pay APIv3 (payapi.go).
		mux.Handle("/v3/pay/transactions/jsapi", methods{http.MethodPost: e.pay.PayRoute(wxshared.JSAPI, e.pay.JSAPI)})
		mux.Handle("/v3/pay/transactions/out-trade-no/{no}", methods{http.MethodGet: e.pay.PayRoute(wxshared.QueryOrder, e.pay.QueryOrder)})
		mux.Handle("/v3/pay/transactions/out-trade-no/{no}/close", methods{http.MethodPost: e.pay.PayRoute(wxshared.CloseOrder, e.pay.CloseOrder)})
		// The user's phone and test inspection (payments.go).
		mux.Handle("/emulator/payments", methods{http.MethodPost: e.pay.PostPayment})
		mux.Handle("/emulator/transactions/{no}", methods{http.MethodGet: e.pay.GetTransaction})
		mux.Handle("/emulator/transactions/{no}/notify", methods{http.MethodPost: e.pay.PostResend})
		mux.Handle("/emulator/transactions/{no}/state", methods{http.MethodPut: e.pay.PutTradeState}) // tradestate.go
		mux.Handle("/emulator/pay/sign-mode", methods{http.MethodGet: e.pay.GetSignMode, http.MethodPut: e.pay.PutSignMode})
		// The console's lists and its pay button (console_api.go, console_deliveries.go).
		mux.Handle("/emulator/transactions", methods{http.MethodGet: e.pay.GetTransactions})
		mux.Handle("/emulator/transactions/{no}/pay", methods{http.MethodPost: e.pay.PostPay})
		mux.Handle("/emulator/refunds", methods{http.MethodGet: e.pay.GetRefunds})
		mux.Handle("/emulator/deliveries", methods{http.MethodGet: e.pay.GetDeliveries})
		// Refunds (refundapi.go, refundcontrol.go).
		mux.Handle("/v3/refund/domestic/refunds", methods{http.MethodPost: e.pay.PayRoute(wxshared.CreateRefund, e.pay.DomesticRefund)})
		mux.Handle("/v3/refund/domestic/refunds/{out_refund_no}", methods{http.MethodGet: e.pay.PayRoute(wxshared.QueryRefund, e.pay.QueryDomesticRefund)})
		mux.Handle("/emulator/refunds/{out_refund_no}", methods{http.MethodGet: e.pay.GetRefund})
		mux.Handle("/emulator/refunds/{out_refund_no}/complete", methods{http.MethodPost: e.pay.PostCompleteRefund})
		mux.Handle("/emulator/refunds/{out_refund_no}/notify", methods{http.MethodPost: e.pay.PostRefundResend})
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
