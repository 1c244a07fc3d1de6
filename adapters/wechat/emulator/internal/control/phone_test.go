package control_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

type phoneCode struct {
	Code            string `json:"code"`
	User            string `json:"user"`
	OpenID          string `json:"openid"`
	AppID           string `json:"appid"`
	PhoneNumber     string `json:"phone_number"`
	PurePhoneNumber string `json:"pure_phone_number"`
	CountryCode     string `json:"country_code"`
	IssuedAt        string `json:"issued_at"`
	ExpiresAt       string `json:"expires_at"`
	Used            bool   `json:"used"`
	UsedAt          string `json:"used_at"`
	Expired         bool   `json:"expired"`
}

type phoneNumber struct {
	PhoneNumber     string `json:"phone_number"`
	PurePhoneNumber string `json:"pure_phone_number"`
	CountryCode     string `json:"country_code"`
	Set             bool   `json:"set"`
}

// The console's phone section: tap the button for a user, see the codes
// given and whether each was used or has expired, a spent quota, the
// user's number, and the countryCode switch.
func TestControlPhoneCodes(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := controlContract(t, f.Srv.URL)
	first := emutest.Decode[phoneCode](t, c.call(http.MethodPost, "/emulator/phone-codes", `{"user":"alice"}`, http.StatusCreated))
	alice, _ := f.Emu.User("alice")
	if first.User != "alice" || first.OpenID != alice.OpenID || first.AppID != emutest.TestAppID || first.Used || first.Expired ||
		first.ExpiresAt != f.Clock.Now().Add(5*time.Minute).Format(time.RFC3339) || first.CountryCode != "86" || first.PhoneNumber != first.PurePhoneNumber {
		t.Fatalf("code %+v", first)
	}
	f.Clock.Advance(time.Minute)
	f.MustPlatform(t, "/wxa/business/getuserphonenumber", `{"code":"`+first.Code+`"}`)
	other := emutest.Decode[phoneCode](t, c.call(http.MethodPost, "/emulator/phone-codes", `{"user":"bob","appid":"wx-another-app"}`, http.StatusCreated))
	if other.AppID != "wx-another-app" {
		t.Fatalf("another app's code %+v", other)
	}
	r, _ := f.Platform(t, "/wxa/business/getuserphonenumber", `{"code":"`+other.Code+`"}`)
	emutest.WantPlatformErr(t, r, 40029, "invalid code")

	quota := emutest.Decode[struct {
		Error  string `json:"error"`
		Errno  int    `json:"errno"`
		ErrMsg string `json:"errMsg"`
	}](t, c.call(http.MethodPost, "/emulator/phone-codes", `{"user":"alice","quota_exhausted":true}`, http.StatusConflict))
	if quota.Errno != 1400001 || !strings.HasPrefix(quota.ErrMsg, "getPhoneNumber:fail") || quota.Error == "" {
		t.Fatalf("quota %+v", quota)
	}
	f.Clock.Advance(5 * time.Minute)
	list := emutest.Decode[struct {
		Items           []phoneCode `json:"items"`
		Charged         int         `json:"charged"`
		CountryCodeType string      `json:"country_code_type"`
	}](t, c.call(http.MethodGet, "/emulator/phone-codes", "", http.StatusOK))
	if len(list.Items) != 2 || list.Charged != 2 || list.CountryCodeType != "string" {
		t.Fatalf("list %+v", list)
	}
	if o, u := list.Items[0], list.Items[1]; o.Code != other.Code || o.Used || !o.Expired || u.Code != first.Code || !u.Used || u.UsedAt == "" {
		t.Fatalf("latest first, bob's unused, alice's used: %+v", list.Items)
	}
	for name, body := range map[string]string{
		"no user":       `{}`,
		"empty user":    `{"user":""}`,
		"bad appid":     `{"user":"alice","appid":"wx app"}`,
		"unknown field": `{"user":"alice","quota":true}`,
		"slash in name": `{"user":"a/b"}`,
	} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/phone-codes", body)
		t.Run(name, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusBadRequest) })
	}

	// The countryCode switch.
	if got := emutest.Decode[struct{ Type string }](t, c.call(http.MethodPut, "/emulator/phone/country-code-type", `{"type":"number"}`, http.StatusOK)); got.Type != "number" {
		t.Fatalf("type %+v", got)
	}
	_, b := f.Platform(t, "/wxa/business/getuserphonenumber", `{"code":"`+mintPhoneCode(t, f, "alice")+`"}`)
	if !strings.Contains(string(b), `"countryCode":86,`) {
		t.Fatalf("countryCode as a number: %s", b)
	}
	if got := emutest.Decode[struct{ Type string }](t, c.call(http.MethodGet, "/emulator/phone/country-code-type", "", http.StatusOK)); got.Type != "number" {
		t.Fatalf("type %+v", got)
	}
	resp, b := emutest.Do(t, http.MethodPut, f.Srv.URL+"/emulator/phone/country-code-type", `{"type":"int"}`)
	emutest.ControlError(t, resp, b, http.StatusBadRequest)
}

func TestControlUserPhone(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := controlContract(t, f.Srv.URL)
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/users/alice/phone", "")
	emutest.ControlError(t, resp, b, http.StatusNotFound)
	set := emutest.Decode[phoneNumber](t, c.call(http.MethodPut, "/emulator/users/alice/phone", `{"pure_phone_number":"61234567","country_code":"852"}`, http.StatusOK))
	if set != (phoneNumber{PhoneNumber: "+852 61234567", PurePhoneNumber: "61234567", CountryCode: "852", Set: true}) {
		t.Fatalf("set %+v", set)
	}
	if got := emutest.Decode[phoneNumber](t, c.call(http.MethodGet, "/emulator/users/alice/phone", "", http.StatusOK)); got != set {
		t.Fatalf("get %+v", got)
	}
	code := emutest.Decode[phoneCode](t, c.call(http.MethodPost, "/emulator/phone-codes", `{"user":"alice"}`, http.StatusCreated))
	if code.PhoneNumber != "+852 61234567" || code.CountryCode != "852" {
		t.Fatalf("code %+v", code)
	}
	reset := emutest.Decode[phoneNumber](t, c.call(http.MethodDelete, "/emulator/users/alice/phone", "", http.StatusOK))
	if reset.Set || !strings.HasPrefix(reset.PurePhoneNumber, "138") {
		t.Fatalf("reset %+v", reset)
	}
	// The users list shows each user's number.
	users := emutest.Decode[listOf[struct {
		User  string       `json:"user"`
		Phone *phoneNumber `json:"phone"`
	}]](t, c.call(http.MethodGet, "/emulator/users", "", http.StatusOK)).Items
	if len(users) != 1 || users[0].Phone == nil || *users[0].Phone != reset {
		t.Fatalf("users %+v", users)
	}
	for _, body := range []string{`{}`, `{"pure_phone_number":"12"}`, `{"pure_phone_number":"13912345678","country_code":"86a"}`, `{"pure_phone_number":13912345678}`} {
		resp, b := emutest.Do(t, http.MethodPut, f.Srv.URL+"/emulator/users/alice/phone", body)
		emutest.ControlError(t, resp, b, http.StatusBadRequest)
	}
	resp, b = emutest.Do(t, http.MethodDelete, f.Srv.URL+"/emulator/users/nobody/phone", "")
	emutest.ControlError(t, resp, b, http.StatusNotFound)
}

func mintPhoneCode(t *testing.T, f *emutest.Fixture, user string) string {
	t.Helper()
	c, err := f.Emu.MintPhoneCode(user)
	if err != nil {
		t.Fatal(err)
	}
	return c.Code
}
