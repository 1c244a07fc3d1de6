// Package phone plays WeChat's phone number verification (手机号快速验证,
// §12 of docs/wechat-protocol-2.md): POST /wxa/business/getuserphonenumber
// ?access_token= {"code"}, behind the access_token (package token's
// Validate) and its faults (45011 minute quota, -1), which exchanges the
// code that <button open-type="getPhoneNumber"> gave the mini-program
// (e.detail.code) for the user's phone_info: phoneNumber, purePhoneNumber,
// countryCode and the watermark (timestamp, appid).
//
// A code is what tapping the button gives (Mint, POST
// /emulator/phone-codes): single use and valid CodeTTL (5 minutes) from
// the tap, by Config.Now; an unknown, used, expired or other
// mini-program's code, and a wx.login code, answer 40029 invalid code.
// A tap when the mini-program's paid quota is spent gives no code: the
// button's callback sees errno 1400001 (ErrNoQuota).
//
// Every test user (package login's) has a phone number: 138 and eight
// digits derived from its openid, unless one was set (SetNumber). The
// number a code gives is the user's number when the button was tapped.
//
// countryCode is a string ("86") by default, as the API's table says and
// every Go SDK decodes it; the official example shows the number 86
// instead. Config.CountryCode (or SetCountryCodeType at run time) makes the
// emulator answer the number, so that a client can be tested against both.
//
// UNCONFIRMED and chosen here: an empty or missing code answers 40029 (not
// 41008 or 47001); the optional openid of older copies of the doc is
// accepted and ignored; for a country code other than 86, phoneNumber is
// "+<countryCode> <purePhoneNumber>" unless set otherwise; the errMsg of
// the button's 1400001 failure.
package phone
