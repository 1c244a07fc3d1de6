package wxshared_test

import (
	"net/http"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestFaultsQueueInOrderPerEndpoint(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	f.PostFault(t, `{"endpoint":"jscode2session","errcode":45011}`)
	f.PostFault(t, `{"endpoint":"checksession","errcode":-1}`)
	if err := f.Emu.InjectFault(emulator.Fault{Endpoint: emulator.JSCode2Session, ErrCode: 40226}); err != nil {
		t.Fatal(err)
	}
	f.PostFault(t, `{"endpoint":"stable_token","errcode":-1,"errmsg":"custom words"}`)
	c := f.Mint(t, "alice")
	emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery(c.Code)), 45011, "api minute-quota reach limit")
	emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery(c.Code)), 40226, "high risk user")
	r := f.Login(t, c.Code)

	tok, _, _ := f.WeChat(t, http.MethodPost, "/cgi-bin/stable_token", `{"grant_type":"client_credential","appid":"`+emutest.TestAppID+`","secret":"`+emutest.TestSecret+`"}`)
	emutest.WantPlatformErr(t, tok, -1, "custom words")
	token := f.Token(t, false).AccessToken
	emutest.WantErr(t, f.CheckSession(t, token, r.OpenID, emutest.Sign(r.SessionKey)), -1, "system error")
	if cs := f.CheckSession(t, token, r.OpenID, emutest.Sign(r.SessionKey)); cs.Code() != 0 {
		t.Fatalf("checksession after its fault: %+v", cs)
	}
}

func TestClearFaults(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := f.Mint(t, "alice")
	f.PostFault(t, `{"endpoint":"jscode2session","errcode":-1,"times":5}`)
	resp, b := emutest.Do(t, http.MethodDelete, f.Srv.URL+"/emulator/faults", "")
	if resp.StatusCode != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("DELETE faults: HTTP %d %q", resp.StatusCode, b)
	}
	f.Login(t, c.Code)

	f.PostFault(t, `{"endpoint":"jscode2session","errcode":-1}`)
	f.Emu.ClearFaults()
	f.Login(t, f.Mint(t, "alice").Code)
}

func TestFaultValidation(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	for name, body := range map[string]string{
		"bad JSON":          `{"endpoint":`,
		"unknown endpoint":  `{"endpoint":"getuserinfo","errcode":-1}`,
		"no endpoint":       `{"errcode":-1}`,
		"does nothing":      `{"endpoint":"jscode2session"}`,
		"negative delay":    `{"endpoint":"jscode2session","delay_ms":-1}`,
		"delay too long":    `{"endpoint":"jscode2session","delay_ms":600001}`,
		"delay overflowing": `{"endpoint":"jscode2session","delay_ms":9223372036854775807}`,
		"status too big":    `{"endpoint":"jscode2session","http_status":700}`,
		"status too small":  `{"endpoint":"jscode2session","http_status":100}`,
		"negative times":    `{"endpoint":"jscode2session","errcode":-1,"times":-1}`,
		"unknown field":     `{"endpoint":"jscode2session","errcode":-1,"delay":5}`,
		"empty body":        ``,
	} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/faults", body)
		t.Run(name, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusBadRequest) })
	}
	if err := f.Emu.InjectFault(emulator.Fault{Endpoint: "nope", ErrCode: -1}); err == nil {
		t.Fatal("InjectFault accepted an unknown endpoint")
	}
	// Nothing invalid was queued.
	f.Login(t, f.Mint(t, "alice").Code)
}
