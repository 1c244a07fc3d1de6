package control

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/phone"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The phone number (package phone): POST /emulator/phone-codes is what
// tapping <button open-type="getPhoneNumber"> gives; GET lists the codes
// given with whether they were used; /emulator/users/{name}/phone shows,
// sets and resets a user's number; /emulator/phone/country-code-type
// switches how getuserphonenumber writes countryCode.

type phoneCodeRequest struct {
	User           string `json:"user"`
	AppID          string `json:"appid"`
	QuotaExhausted bool   `json:"quota_exhausted"`
}

type phoneNumberJSON struct {
	PhoneNumber     string `json:"phone_number"`
	PurePhoneNumber string `json:"pure_phone_number"`
	CountryCode     string `json:"country_code"`
	Set             bool   `json:"set"`
}

type phoneCodeJSON struct {
	Code   string `json:"code"`
	User   string `json:"user"`
	OpenID string `json:"openid"`
	AppID  string `json:"appid"`
	phoneNumberJSON
	IssuedAt  string `json:"issued_at"`
	ExpiresAt string `json:"expires_at"`
	Used      bool   `json:"used"`
	UsedAt    string `json:"used_at,omitempty"`
	Expired   bool   `json:"expired"`
}

func phoneNumberToJSON(n phone.Number) phoneNumberJSON {
	return phoneNumberJSON{PhoneNumber: n.PhoneNumber, PurePhoneNumber: n.PurePhoneNumber, CountryCode: n.CountryCode, Set: n.Set}
}

// phoneCodeToJSON shows c; expired is at now, whatever Config.Now says.
func phoneCodeToJSON(c phone.Code, now time.Time) phoneCodeJSON {
	return phoneCodeJSON{Code: c.Code, User: c.User, OpenID: c.OpenID, AppID: c.AppID, phoneNumberJSON: phoneNumberToJSON(c.Number),
		IssuedAt: stamp(c.IssuedAt), ExpiresAt: stamp(c.ExpiresAt), Used: c.Used(), UsedAt: stamp(c.UsedAt), Expired: !now.Before(c.ExpiresAt)}
}

// PostPhoneCode: POST /emulator/phone-codes {"user","appid","quota_exhausted"}:
// 201 with the code; 409 with errno 1400001 (and no code) when
// quota_exhausted says the mini-program's quota is spent.
func (a *API) PostPhoneCode(w http.ResponseWriter, r *http.Request) {
	var req phoneCodeRequest
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := a.phone.Mint(phone.MintRequest{User: req.User, AppID: req.AppID, QuotaExhausted: req.QuotaExhausted})
	switch {
	case errors.Is(err, phone.ErrNoQuota):
		wxshared.WriteJSON(w, http.StatusConflict, wxshared.ContentTypeJSON, struct {
			Error  string `json:"error"`
			Errno  int    `json:"errno"`
			ErrMsg string `json:"errMsg"`
		}{err.Error(), phone.QuotaErrno, phone.QuotaErrMsg})
	case err != nil:
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
	default:
		wxshared.WriteJSON(w, http.StatusCreated, wxshared.ContentTypeJSON, phoneCodeToJSON(c, c.IssuedAt))
	}
}

// GetPhoneCodes: GET /emulator/phone-codes, the latest first, at most
// 200 (a code is forgotten a day after it expired), with how many the
// mini-program was charged for and how countryCode is written.
func (a *API) GetPhoneCodes(w http.ResponseWriter, _ *http.Request) {
	now := a.phone.Now()
	items := []phoneCodeJSON{}
	for _, c := range a.phone.Codes(maxListed) {
		items = append(items, phoneCodeToJSON(c, now))
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, struct {
		Items           []phoneCodeJSON       `json:"items"`
		Charged         int                   `json:"charged"`
		CountryCodeType phone.CountryCodeType `json:"country_code_type"`
	}{items, a.phone.Charged(), a.phone.CountryCodeType()})
}

type countryCodeTypeJSON struct {
	Type phone.CountryCodeType `json:"type"`
}

// GetCountryCodeType: GET /emulator/phone/country-code-type
func (a *API) GetCountryCodeType(w http.ResponseWriter, _ *http.Request) {
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, countryCodeTypeJSON{a.phone.CountryCodeType()})
}

// PutCountryCodeType: PUT /emulator/phone/country-code-type {"type":"string"|"number"}
func (a *API) PutCountryCodeType(w http.ResponseWriter, r *http.Request) {
	var req countryCodeTypeJSON
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := a.phone.SetCountryCodeType(req.Type); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, countryCodeTypeJSON{a.phone.CountryCodeType()})
}

// GetUserPhone: GET /emulator/users/{name}/phone, 404 for an unknown user.
func (a *API) GetUserPhone(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	n, ok := a.phone.NumberOf(name)
	if !ok {
		wxshared.WriteControlError(w, http.StatusNotFound, fmt.Sprintf("no test user %q", name))
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, phoneNumberToJSON(n))
}

// PutUserPhone: PUT /emulator/users/{name}/phone {"pure_phone_number",
// "country_code","phone_number"}: the user (created on first use) has
// this number for the codes given from now on.
func (a *API) PutUserPhone(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PhoneNumber     string `json:"phone_number"`
		PurePhoneNumber string `json:"pure_phone_number"`
		CountryCode     string `json:"country_code"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.PurePhoneNumber == "" {
		wxshared.WriteControlError(w, http.StatusBadRequest, "pure_phone_number is required")
		return
	}
	n, err := a.phone.SetNumber(r.PathValue("name"), phone.Number{PhoneNumber: req.PhoneNumber, PurePhoneNumber: req.PurePhoneNumber, CountryCode: req.CountryCode})
	if err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, phoneNumberToJSON(n))
}

// DeleteUserPhone: DELETE /emulator/users/{name}/phone: back to the
// number derived from the openid, which it answers; 404 for an unknown
// user.
func (a *API) DeleteUserPhone(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, ok := a.phone.NumberOf(name); !ok {
		wxshared.WriteControlError(w, http.StatusNotFound, fmt.Sprintf("no test user %q", name))
		return
	}
	n, err := a.phone.SetNumber(name, phone.Number{})
	if err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, phoneNumberToJSON(n))
}
