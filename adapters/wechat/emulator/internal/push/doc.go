// Package push plays WeChat's message push (消息推送, §17 of
// docs/wechat-protocol-2.md) to the mini-program's own server, configured
// as in the mini-program's admin console (开发 → 开发管理 → 消息推送配置):
// a URL, a Token, an EncodingAESKey, the JSON format and the safe mode.
//
// Every push is a POST of {"ToUserName","Encrypt"} to the URL with the
// query signature, timestamp, nonce, encrypt_type=aes and msg_signature;
// Encrypt is the message JSON as WeChat seals it (crypto.go): AES-256-CBC
// under base64(EncodingAESKey+"="), IV the key's first 16 bytes, over
// random(16) ‖ uint32_be(len) ‖ message ‖ appid, PKCS#7 padded to 32. An
// answer of "success" or an empty body with a 2xx status is taken; any
// other answer, a transport error or a 5 s timeout is retried 3 times,
// 5 s apart (scaled by the emulator's TimeScale). Every attempt is kept,
// for the control API to show (GET /emulator/pushes) and across a restart.
//
// The parts of the emulator decide what to push (package shipping: the
// trade_manage_* events); this package seals, sends, retries and records.
// VerifyURL does what the admin console does when the URL is saved: a GET
// with signature, timestamp, nonce and echostr, expecting echostr back.
package push
