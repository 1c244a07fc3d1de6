// Package shipping plays WeChat's order shipping management (小程序发货信息
// 管理服务, §14 of docs/wechat-protocol-2.md): the POST
// /wxa/sec/order/... APIs a mini-program's server calls, every one behind
// the access_token (package token's Validate) and its faults, and the
// trade_manage_* events WeChat pushes about them (package push).
//
// A shipping order exists for every paid transaction of the pay side
// (package wxpay, read through Payments, never written) once SyncDelay
// has passed since the payment; before that the APIs answer 10060001
// 支付单不存在, as WeChat does for a minute or so after a payment. What
// shipping adds to a payment (uploads, the receipt, the settlement) is
// kept here by transaction_id (OrderRecord).
//
// An order's state (order_state) follows WeChat's flow 1 待发货 → 2 已发货
// (the shipping info uploaded, all of it) → 3 确认收货 (the buyer
// confirmed, POST /emulator/shipping/{id}/confirm) → 6 资金待结算 (a
// minute later, PendingSettlementAfter) → 4 交易完成 (settled: POST
// /emulator/shipping/{id}/settle, or on its own at the estimated
// settlement time: T+10 days after shipping by express, T+2 otherwise,
// the buyer's receipt then confirmed automatically); 5 已退款 whenever the
// transaction is refunded in full. The rules of upload_shipping_info are
// in upload.go, the queries in query.go, the rest of the APIs in apis.go,
// and what the buyer and time do in lifecycle.go.
//
// Pushed, when the mini-program is trade managed (Config.Unmanaged not
// set) and a push target is configured: trade_manage_order_settlement when
// shipping completes (shipped_time, estimated_settlement_time), when the
// buyer confirms (confirm_receive_method, confirm_receive_time) and when
// the funds settle (the same, and settlement_time);
// trade_manage_remind_shipping for an order not shipped 48 hours after
// payment, once the mini-program has shipped before. confirm_receive_method
// is the documented 1 automatic, 2 manual; §14 notes that developers see
// them reversed in practice, which the emulator does not copy.
package shipping
