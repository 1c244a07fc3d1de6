// Package subscribe plays WeChat's subscribe messages (订阅消息, §13 of
// docs/wechat-protocol-2.md): the mini-program's templates, what each
// user accepted in wx.requestSubscribeMessage, and POST
// /cgi-bin/message/subscribe/send?access_token=, behind the access_token
// (package token's Validate) and its faults, which delivers a message to
// the user's phone and keeps it (Messages, GET /emulator/messages).
//
// Templates are declared in Config or at run time (DeclareTemplate, POST
// /emulator/subscribe-templates): an id, a title and the fields by key,
// each key its type's prefix and a number (thing1, amount2); the type
// decides what a value may be (rules.go, §13's table).
//
// Subscribe (POST /emulator/subscriptions) is the user's side of
// wx.requestSubscribeMessage: accept, reject, ban or filter per template
// id. Each accept of a one-time template allows one more send, and
// accepts accumulate; a reject, ban or filter grants nothing and takes
// nothing away (UNCONFIRMED: WeChat does not say whether a later reject
// cancels earlier accepts). A long-term template, once its last result is
// an accept, allows any number of sends. The call fails as WeChat's does,
// recording nothing: no id (10001), an id the mini-program does not have
// (20001), one-time and long-term ids together (20002), more than
// MaxPerRequest ids (20003).
//
// send answers 40003 for a touser who is no test user, 40037 for a
// template the mini-program does not have, 41030 for a page not in
// Config.Pages (when set, and the message goes to the formal version),
// 47003 "argument invalid! data.<key>.value is empty" or "... invalid"
// for the first field of the template that is missing, empty or breaks
// its type's rule, and 43101 "user refuse to accept the msg" when no
// acceptance is left; a delivered one-time message spends one. An unknown
// miniprogram_state or lang answers 47001 (UNCONFIRMED). WeChat's push
// events about subscriptions (subscribe_msg_popup_event, ..._change_...,
// ..._sent_...) are not pushed.
package subscribe
