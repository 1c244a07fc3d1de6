// Package control is the emulator's control API under /emulator/,
// described in control.openapi.yaml at the emulator's root, from which the
// web console's client is generated. It plays the user's side of WeChat (a
// login code as wx.login gives it, a payment as wx.requestPayment makes it),
// lets tests and the console look at what WeChat has seen (test users,
// transactions, refunds, every notification attempt), ends refunds, makes
// the refunds a person makes on the merchant platform, moves trade states,
// shows and kills the access_token, confirms receipts and settles orders of
// shipping management, lists every message push and checks the push URL,
// plays the getPhoneNumber button and wx.requestSubscribeMessage and shows
// the phone codes, subscriptions and delivered subscribe messages, and
// queues faults. It keeps no state: each handler
// calls a part's Go method, the one an in-process test calls, or reads a
// snapshot the part takes under its lock.
package control
