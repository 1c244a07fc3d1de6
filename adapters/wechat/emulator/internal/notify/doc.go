// Package notify plays WeChat Pay's notifications: payment and refund
// events sealed as WeChat seals them (the resource encrypted with
// AES-256-GCM under the merchant's APIv3 key, the envelope signed;
// notify.go), delivered to the merchant's notify_url and retried on
// WeChat's schedule, shaped by the Notify and RefundNotify faults
// (delivery.go, notifier.go), and forged or broken ones for tests
// (NotificationOptions). Package wxpay decides what to notify and keeps the
// record of attempts, which a Notifier appends to under wxpay's lock.
package notify
