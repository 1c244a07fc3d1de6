package phone_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

const api = "/wxa/business/getuserphonenumber"

type phoneInfo struct {
	PhoneNumber     string          `json:"phoneNumber"`
	PurePhoneNumber string          `json:"purePhoneNumber"`
	CountryCode     json.RawMessage `json:"countryCode"`
	Watermark       struct {
		Timestamp int64  `json:"timestamp"`
		AppID     string `json:"appid"`
	} `json:"watermark"`
}

func exchange(t *testing.T, f *emutest.Fixture, code string) phoneInfo {
	t.Helper()
	b := f.MustPlatform(t, api, `{"code":"`+code+`"}`)
	return emutest.Decode[struct {
		PhoneInfo phoneInfo `json:"phone_info"`
	}](t, b).PhoneInfo
}

func mint(t *testing.T, f *emutest.Fixture, user string) emulator.PhoneCode {
	t.Helper()
	c, err := f.Emu.MintPhoneCode(user)
	if err != nil {
		t.Fatalf("MintPhoneCode(%q): %v", user, err)
	}
	return c
}

var derived = regexp.MustCompile(`^138[0-9]{8}$`)

// The button's code gives the user's number, once, with the watermark of
// this mini-program; countryCode is the string "86" by default.
func TestACodeGivesTheUsersNumber(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := mint(t, f, "alice")
	if len(c.Code) != 64 || c.User != "alice" || c.AppID != emutest.TestAppID || !c.ExpiresAt.Equal(f.Clock.Now().Add(5*time.Minute)) || c.Used() {
		t.Fatalf("code %+v", c)
	}
	alice, _ := f.Emu.User("alice")
	if c.OpenID != alice.OpenID || !derived.MatchString(c.Number.PurePhoneNumber) {
		t.Fatalf("code %+v for alice %+v", c, alice)
	}
	f.Clock.Advance(time.Minute)
	info := exchange(t, f, c.Code)
	if info.PhoneNumber != c.Number.PurePhoneNumber || info.PurePhoneNumber != c.Number.PurePhoneNumber || string(info.CountryCode) != `"86"` {
		t.Fatalf("phone_info %+v (countryCode %s), want %+v with countryCode \"86\"", info, info.CountryCode, c.Number)
	}
	if info.Watermark.AppID != emutest.TestAppID || info.Watermark.Timestamp != f.Clock.Now().Unix() {
		t.Fatalf("watermark %+v, want the appid and the exchange's time %d", info.Watermark, f.Clock.Now().Unix())
	}
	// The answer's shape, word for word: errcode, errmsg, phone_info.
	b := f.MustPlatform(t, api, `{"code":"`+mint(t, f, "alice").Code+`"}`)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil || len(top) != 3 || top["phone_info"] == nil {
		t.Fatalf("answer %s", b)
	}
	used := f.Emu.PhoneCodes()
	if len(used) != 2 || !used[1].Used() || !used[1].UsedAt.Equal(f.Clock.Now()) || f.Emu.PhoneCodesCharged() != 2 {
		t.Fatalf("codes %+v, charged %d", used, f.Emu.PhoneCodesCharged())
	}
}

func TestACodeIsSingleUse(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := mint(t, f, "alice")
	exchange(t, f, c.Code)
	r, _ := f.Platform(t, api, `{"code":"`+c.Code+`"}`)
	emutest.WantPlatformErr(t, r, 40029, "invalid code")
}

func TestACodeExpiresFiveMinutesAfterTheTap(t *testing.T) {
	f := emutest.Start(t, emulator.Config{CodeTTL: time.Hour}) // login's TTL is not the phone's
	early, late := mint(t, f, "alice"), mint(t, f, "bob")
	f.Clock.Advance(5*time.Minute - time.Second)
	exchange(t, f, early.Code)
	f.Clock.Advance(time.Second)
	r, _ := f.Platform(t, api, `{"code":"`+late.Code+`"}`)
	emutest.WantPlatformErr(t, r, 40029, "invalid code")
	for _, c := range f.Emu.PhoneCodes() {
		if c.Used() != (c.Code == early.Code) {
			t.Errorf("code %+v: only the early one is used", c)
		}
	}
}

// Every code that is not this mini-program's live button code answers
// 40029, and spends nothing.
func TestCodesThatAreNotThisButtonsAnswer40029(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	other, err := f.Emu.MintPhoneCodeWith(emulator.PhoneCodeRequest{User: "alice", AppID: "wx-another-app"})
	if err != nil || other.AppID != "wx-another-app" {
		t.Fatalf("another app's code: %+v %v", other, err)
	}
	login := f.Mint(t, "alice")
	for name, body := range map[string]string{
		"another mini-program's code": `{"code":"` + other.Code + `"}`,
		"a wx.login code":             `{"code":"` + login.Code + `"}`,
		"an unknown code":             `{"code":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`,
		"an empty code":               `{"code":""}`,
		"no code":                     `{}`,
	} {
		t.Run(name, func(t *testing.T) {
			r, _ := f.Platform(t, api, body)
			emutest.WantPlatformErr(t, r, 40029, "invalid code")
		})
	}
	// The login code still logs in: the phone side did not spend it.
	f.Login(t, login.Code)
	r, _ := f.Platform(t, api, `{"code":42}`)
	if r.Code() != 47001 {
		t.Fatalf("a code that is not a string: %+v, want 47001", r)
	}
	r, _ = f.Platform(t, api, `["code"]`)
	if r.Code() != 47001 {
		t.Fatalf("a body that is not an object: %+v, want 47001", r)
	}
}

// countryCode is "86" unless Config.Phone or the control switch says 86;
// a client can be tested against both.
func TestCountryCodeAsAStringOrANumber(t *testing.T) {
	f := emutest.Start(t, emulator.Config{Phone: emulator.PhoneConfig{CountryCode: emulator.PhoneCountryCodeNumber}})
	if got := exchange(t, f, mint(t, f, "alice").Code).CountryCode; string(got) != `86` {
		t.Fatalf("countryCode %s, want the number 86", got)
	}
	if err := f.Emu.SetPhoneCountryCodeType(emulator.PhoneCountryCodeString); err != nil {
		t.Fatal(err)
	}
	if got := exchange(t, f, mint(t, f, "alice").Code).CountryCode; string(got) != `"86"` {
		t.Fatalf("countryCode %s, want the string \"86\"", got)
	}
	if err := f.Emu.SetPhoneCountryCodeType("int"); !errors.Is(err, emulator.ErrPhoneCountryCodeType) {
		t.Fatalf("SetPhoneCountryCodeType(int): %v", err)
	}
	if _, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret, Phone: emulator.PhoneConfig{CountryCode: "int"}}); err == nil {
		t.Fatal("New took countryCode type int")
	}
	// A number set with another country code is written as that number.
	if _, err := f.Emu.SetPhoneNumber("bob", emulator.PhoneNumber{PurePhoneNumber: "4155550100", CountryCode: "1"}); err != nil {
		t.Fatal(err)
	}
	_ = f.Emu.SetPhoneCountryCodeType(emulator.PhoneCountryCodeNumber)
	if info := exchange(t, f, mint(t, f, "bob").Code); string(info.CountryCode) != `1` || info.PhoneNumber != "+1 4155550100" || info.PurePhoneNumber != "4155550100" {
		t.Fatalf("bob's number: %+v countryCode %s", info, info.CountryCode)
	}
}

// Each user has a number of their own, the same after a restart; a number
// set applies to the codes tapped from then on.
func TestEveryUserHasANumber(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	again := emutest.Start(t, emulator.Config{})
	a, b := mint(t, f, "alice"), mint(t, f, "bob")
	if a.Number.PurePhoneNumber == b.Number.PurePhoneNumber || a.Number.Set {
		t.Fatalf("alice %+v, bob %+v", a.Number, b.Number)
	}
	if n, ok := again.Emu.PhoneNumberOf("alice"); ok {
		t.Fatalf("a user nobody made has a number: %+v", n)
	}
	if c := mint(t, again, "alice"); c.Number != a.Number {
		t.Fatalf("alice's number changed between emulators: %+v, %+v", c.Number, a.Number)
	}

	before := mint(t, f, "alice")
	set, err := f.Emu.SetPhoneNumber("alice", emulator.PhoneNumber{PurePhoneNumber: "13912345678"})
	if err != nil || set != (emulator.PhoneNumber{PhoneNumber: "13912345678", PurePhoneNumber: "13912345678", CountryCode: "86", Set: true}) {
		t.Fatalf("SetPhoneNumber: %+v %v", set, err)
	}
	if info := exchange(t, f, before.Code); info.PurePhoneNumber != a.Number.PurePhoneNumber {
		t.Fatalf("a code tapped before the change gave %+v, want the number at the tap", info)
	}
	if info := exchange(t, f, mint(t, f, "alice").Code); info.PurePhoneNumber != "13912345678" {
		t.Fatalf("a code tapped after the change gave %+v", info)
	}
	if n, err := f.Emu.SetPhoneNumber("alice", emulator.PhoneNumber{}); err != nil || n != a.Number {
		t.Fatalf("reset: %+v %v, want %+v", n, err, a.Number)
	}
	for _, bad := range []emulator.PhoneNumber{{PurePhoneNumber: "123"}, {PurePhoneNumber: "1391234567a"}, {PurePhoneNumber: "13912345678", CountryCode: "+86"}} {
		if _, err := f.Emu.SetPhoneNumber("alice", bad); !errors.Is(err, emulator.ErrPhoneNumber) {
			t.Errorf("SetPhoneNumber(%+v): %v", bad, err)
		}
	}
	if _, err := f.Emu.MintPhoneCode(""); err == nil {
		t.Error("a code for no user")
	}
}

// A tap when the quota is spent gives no code.
func TestASpentQuotaGivesNoCode(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	if _, err := f.Emu.MintPhoneCodeWith(emulator.PhoneCodeRequest{User: "alice", QuotaExhausted: true}); !errors.Is(err, emulator.ErrPhoneQuota) {
		t.Fatalf("err %v, want ErrPhoneQuota", err)
	}
	if len(f.Emu.PhoneCodes()) != 0 || f.Emu.PhoneCodesCharged() != 0 {
		t.Fatal("a spent quota gave or charged a code")
	}
}

// The plumbing every platform API has: POST only, the access_token, the
// faults (45011, -1), none of which spends the code.
func TestTheAccessTokenMethodAndFaults(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := mint(t, f, "alice")
	body := `{"code":"` + c.Code + `"}`
	r, _ := f.PlatformWith(t, "", api, body)
	emutest.WantPlatformErr(t, r, 41001, "access_token missing")
	r, _ = f.PlatformWith(t, "bogus", api, body)
	emutest.WantPlatformErr(t, r, 40001, emutest.InvalidCredential)
	r, _, _ = f.WeChat(t, http.MethodGet, api+"?access_token="+f.Token(t, false).AccessToken, "")
	emutest.WantPlatformErr(t, r, 43002, "require POST method")

	f.PostFault(t, `{"endpoint":"getuserphonenumber","errcode":45011}`)
	if err := f.Emu.InjectFault(emulator.Fault{Endpoint: emulator.GetUserPhoneNumber, ErrCode: -1}); err != nil {
		t.Fatal(err)
	}
	r, _ = f.Platform(t, api, body)
	emutest.WantPlatformErr(t, r, 45011, "api minute-quota reach limit")
	r, _ = f.Platform(t, api, body)
	emutest.WantPlatformErr(t, r, -1, "system error")
	exchange(t, f, c.Code)
}
