// Package wxpay plays WeChat Pay APIv3 (JSAPI) for one merchant: prepay,
// query and close (payapi.go, validated as in payvalidate.go), the user's
// payment (payments.go, what wx.requestPayment does on a phone), the trade
// states nothing else produces (tradestate.go), domestic refunds that end
// on their own or when told (refunds.go, refundapi.go) and what their
// notifications carry (refundnotify.go). Every endpoint plays its faults
// first (payfaults.go), then checks the merchant's signature and signs its
// answer (payauth.go).
//
// Transactions and refunds share one lock: a refund points at its
// transaction and changes its state, a transaction lists its refunds, and
// both keep the record of their notification attempts, which package
// notify appends to. The control API reads them through snapshots.go.
package wxpay
