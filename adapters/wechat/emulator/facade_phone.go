package emulator

import (
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/phone"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The phone number (手机号快速验证, package phone): its types, constants
// and methods.

type (
	// PhoneConfig is Config.Phone: CountryCode.
	PhoneConfig = phone.Config
	// PhoneCountryCodeType is how phone_info.countryCode is written:
	// PhoneCountryCodeString ("86", the default) or PhoneCountryCodeNumber
	// (86).
	PhoneCountryCodeType = phone.CountryCodeType
	// PhoneNumber is a user's number as phone_info gives it: PhoneNumber,
	// PurePhoneNumber, CountryCode, and whether it was set (SetPhoneNumber)
	// rather than derived from the openid.
	PhoneNumber = phone.Number
	// PhoneCodeRequest is a tap of the getPhoneNumber button: the User, the
	// AppID of the mini-program tapped ("" the emulator's), and whether its
	// quota is spent (QuotaExhausted).
	PhoneCodeRequest = phone.MintRequest
	// PhoneCode is a code the button gave: the user, the number it is for,
	// when it was issued and expires, and when it was used (Used()).
	PhoneCode = phone.Code
)

const (
	PhoneCodeTTL           = phone.CodeTTL           // a phone code is valid 5 minutes from the tap
	PhoneQuotaErrno        = phone.QuotaErrno        // 1400001: the button's errno when the quota is spent
	PhoneCountryCodeString = phone.CountryCodeString // countryCode "86"
	PhoneCountryCodeNumber = phone.CountryCodeNumber // countryCode 86
	// GetUserPhoneNumber is the fault endpoint of POST
	// /wxa/business/getuserphonenumber (errcode 45011, -1...).
	GetUserPhoneNumber = wxshared.GetUserPhoneNumber
)

var (
	// ErrPhoneQuota: PhoneCodeRequest.QuotaExhausted; no code was given,
	// the button's callback gets errno 1400001.
	ErrPhoneQuota = phone.ErrNoQuota
	// ErrPhoneCountryCodeType: neither PhoneCountryCodeString nor
	// PhoneCountryCodeNumber.
	ErrPhoneCountryCodeType = phone.ErrBadCountryCodeType
	// ErrPhoneNumber: a number SetPhoneNumber refuses.
	ErrPhoneNumber = phone.ErrBadNumber
)

// MintPhoneCode does what tapping <button open-type="getPhoneNumber"> does
// for the named test user (created on first use), who allows it: a code
// for the user's number, single use, valid PhoneCodeTTL, that
// getuserphonenumber exchanges. It is MintPhoneCodeWith for that user
// alone.
func (e *Emulator) MintPhoneCode(user string) (PhoneCode, error) {
	return e.phone.Mint(phone.MintRequest{User: user})
}

// MintPhoneCodeWith is a tap described in full: another mini-program's
// button (its code answers 40029 here), or a spent quota (ErrPhoneQuota,
// no code). It is what POST /emulator/phone-codes does.
func (e *Emulator) MintPhoneCodeWith(req PhoneCodeRequest) (PhoneCode, error) {
	return e.phone.Mint(req)
}

// PhoneCodes returns the codes given and not yet forgotten (a day past
// their expiry), the latest first, as GET /emulator/phone-codes lists
// them.
func (e *Emulator) PhoneCodes() []PhoneCode { return e.phone.Codes(0) }

// PhoneCodesCharged is how many codes the button gave: what WeChat charges
// the mini-program for.
func (e *Emulator) PhoneCodesCharged() int { return e.phone.Charged() }

// PhoneNumberOf returns the named test user's number, if the user exists.
func (e *Emulator) PhoneNumberOf(user string) (PhoneNumber, bool) { return e.phone.NumberOf(user) }

// SetPhoneNumber gives the named test user (created on first use) a number
// for the codes given from now on: PurePhoneNumber (4 to 15 digits),
// CountryCode ("" means "86"), PhoneNumber ("" means the pure number for
// 86, "+<countryCode> <pure>" otherwise). A zero PhoneNumber goes back to
// the number derived from the openid (138 and eight digits). It is what
// PUT (and, with a zero number, DELETE) /emulator/users/{name}/phone does.
func (e *Emulator) SetPhoneNumber(user string, n PhoneNumber) (PhoneNumber, error) {
	return e.phone.SetNumber(user, n)
}

// PhoneCountryCodeType says how getuserphonenumber writes countryCode now.
func (e *Emulator) PhoneCountryCodeType() PhoneCountryCodeType { return e.phone.CountryCodeType() }

// SetPhoneCountryCodeType switches how getuserphonenumber writes
// countryCode, as PUT /emulator/phone/country-code-type does; Config.Phone
// decides again after a restart.
func (e *Emulator) SetPhoneCountryCodeType(t PhoneCountryCodeType) error {
	return e.phone.SetCountryCodeType(t)
}
