package emulator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// An emulator with a StateFile, stopped and started again, knows its users,
// transactions (with every prepay_id) and refunds as before; a refund left
// PROCESSING ends on its own again.
func TestStateSurvivesARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emulator", "state.json")
	f := emutest.StartPayKept(t, file, emutest.Manual)
	code, err := f.Emu.MintCode("alice")
	if err != nil {
		t.Fatal(err)
	}
	txn := f.Paid(t, "order-kept-0001", "http://127.0.0.1:9/notify")
	f.MustRefund(t, emutest.RefundBody("order-kept-0001", "RF-kept-1", 1, txn.Total, ""))
	f.MustRefund(t, emutest.RefundBody("order-kept-0001", "RF-kept-2", 2, txn.Total, ""))
	f.Complete(t, "RF-kept-1")
	alice, _ := f.Emu.User("alice")
	f.Emu.Close()

	g := emutest.StartPayKept(t, file, nil) // refunds now end on their own
	if got, ok := g.Emu.Transaction("order-kept-0001"); !ok || kept(got) != kept(txn) {
		t.Fatalf("transaction after the restart: %+v, want %+v", got, txn)
	}
	if r, ok := g.Emu.Refund("RF-kept-1"); !ok || r.Status != "SUCCESS" {
		t.Fatalf("the ended refund: %+v", r)
	}
	emutest.WaitFor(t, "the PROCESSING refund to end on its own", func() bool {
		r, _ := g.Emu.Refund("RF-kept-2")
		return r.Status == "SUCCESS"
	})
	if u, ok := g.Emu.User("alice"); !ok || u.OpenID != alice.OpenID || u.SessionKey != alice.SessionKey {
		t.Fatalf("alice after the restart: %+v, want %+v", u, alice)
	}
	// Her code minted before the restart still logs her in.
	_, body := emutest.Do(t, "GET", g.Srv.URL+"/sns/jscode2session?grant_type=authorization_code&appid="+emutest.TestAppID+
		"&secret="+emutest.TestSecret+"&js_code="+code.Code, "")
	if !strings.Contains(string(body), alice.OpenID) {
		t.Fatalf("a code minted before the restart: %s", body)
	}
	// The number is the idempotency key still: the same refund comes back.
	if r := g.MustRefund(t, emutest.RefundBody("order-kept-0001", "RF-kept-1", 1, txn.Total, "")); r.Status == nil || *r.Status != "SUCCESS" {
		t.Fatalf("the same out_refund_no after the restart: %+v", r)
	}
}

func TestAStateFileThatIsNotOneIsRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	for _, content := range []string{"{", `{"version":99}`} {
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret, StateFile: file})
		if err == nil || !strings.Contains(err.Error(), "delete it to start afresh") {
			t.Errorf("%s: %v", content, err)
		}
	}
}

// kept drops what a file does not keep of a time: its monotonic
// reading and which *Location says UTC.
func kept(v emulator.TransactionView) emulator.TransactionView {
	v.PrepayIssuedAt, v.SuccessTime = v.PrepayIssuedAt.UTC().Round(0), v.SuccessTime.UTC().Round(0)
	return v
}
