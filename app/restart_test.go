package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/api/apitest"
)

// shop is a buyer and the operator talking to one run of `wxmp serve`.
type shop struct {
	t      *testing.T
	s      *server
	client *http.Client
	token  string
}

func (sh *shop) call(method, url, bearer, body string, out any) int {
	sh.t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	c := sh.client
	if strings.HasPrefix(url, sh.s.emulator) {
		c = http.DefaultClient // the emulator's control API is not in openapi.yaml
	}
	return do(sh.t, c, req, out)
}

func (sh *shop) operatorKey() string {
	sh.t.Helper()
	var key []string
	waitFor(sh.t, 30*time.Second, func() bool {
		key = regexp.MustCompile(`OPERATOR_KEY=(wxop_\S+)`).FindStringSubmatch(sh.s.stdout.String())
		return key != nil
	})
	return key[1]
}

func (sh *shop) login(user string) {
	sh.t.Helper()
	var code struct{ Code string }
	if st := sh.call("POST", sh.s.emulator+"/emulator/login-codes", "", fmt.Sprintf(`{"user":%q}`, user), &code); st != 201 {
		sh.t.Fatalf("mint code: %d", st)
	}
	var login struct{ Token string }
	if st := sh.call("POST", sh.s.api+"/v1/auth/login", "", fmt.Sprintf(`{"code":%q}`, code.Code), &login); st != 200 {
		sh.t.Fatalf("login: %d", st)
	}
	sh.token = login.Token
}

// order places an order of the first product and returns its id and the
// payment arguments.
func (sh *shop) order() (string, json.RawMessage) {
	sh.t.Helper()
	var products struct{ Items []struct{ ID string } }
	sh.call("GET", sh.s.api+"/v1/products", "", "", &products)
	var co struct {
		Order   struct{ ID string }
		Payment json.RawMessage
	}
	body := fmt.Sprintf(`{"items":[{"product_id":%q,"quantity":1}]}`, products.Items[0].ID)
	if st := sh.call("POST", sh.s.api+"/v1/orders", sh.token, body, &co); st != 201 {
		sh.t.Fatalf("place order: %d", st)
	}
	return co.Order.ID, co.Payment
}

func (sh *shop) pay(payment json.RawMessage) {
	sh.t.Helper()
	var paid struct {
		TradeState string `json:"trade_state"`
	}
	if st := sh.call("POST", sh.s.emulator+"/emulator/payments", "", string(payment), &paid); st != 200 || paid.TradeState != "SUCCESS" {
		sh.t.Fatalf("pay at the emulator: %d %+v", st, paid)
	}
}

func (sh *shop) await(id string, ok func(status string, refunds []string) bool) {
	sh.t.Helper()
	waitFor(sh.t, 30*time.Second, func() bool {
		var o struct {
			Status  string
			Refunds []struct{ Status string }
		}
		sh.call("GET", sh.s.api+"/v1/orders/"+id, sh.token, "", &o)
		var rs []string
		for _, r := range o.Refunds {
			rs = append(rs, r.Status)
		}
		return ok(o.Status, rs)
	})
}

// Restarting make run keeps the shop: the emulator's users, transactions,
// refunds and keys and the operator key live under DATA_DIR beside the
// database. An order placed before the restart is paid after it, and an
// order paid before it is refunded after it.
func TestARestartKeepsTheShop(t *testing.T) {
	env := map[string]string{"WECHAT_MODE": "emulator", "DATABASE_URL": pgtest.NewDB(t), "DATA_DIR": t.TempDir()}
	client := apitest.Client(t)
	before := &shop{t: t, s: startServe(t, env), client: client}
	before.login("alice")
	openID := func(sh *shop) string {
		var me struct{ Openid string }
		sh.call("GET", sh.s.api+"/v1/me", sh.token, "", &me)
		return me.Openid
	}
	aliceBefore := openID(before)
	keyBefore := before.operatorKey()
	unpaid, _ := before.order()
	paid, payment := before.order()
	before.pay(payment)
	before.await(paid, func(st string, _ []string) bool { return st == "paid" })
	before.s.stop()

	after := &shop{t: t, s: startServe(t, env), client: client, token: before.token}
	if key := after.operatorKey(); key != keyBefore {
		t.Fatalf("the operator key changed across the restart: an open console tab drops to sign-in")
	}
	after.login("alice")
	if got := openID(after); got != aliceBefore {
		t.Fatalf("alice's openid changed across the restart: %s, then %s", aliceBefore, got)
	}
	// Pay the order placed before the restart.
	var checkout struct{ Payment json.RawMessage }
	if st := after.call("POST", after.s.api+"/v1/orders/"+unpaid+"/pay", after.token, "", &checkout); st != 200 {
		t.Fatalf("/pay for an order from before the restart: %d", st)
	}
	after.pay(checkout.Payment)
	after.await(unpaid, func(st string, _ []string) bool { return st == "paid" })
	// Refund the order paid before the restart.
	var refund struct{ Status string }
	if st := after.call("POST", after.s.api+"/admin/v1/orders/"+paid+"/refunds", keyBefore, `{"amount_fen":1,"reason":"restart"}`, &refund); st != 201 {
		t.Fatalf("refund of an order paid before the restart: %d", st)
	}
	after.await(paid, func(_ string, rs []string) bool { return len(rs) == 1 && rs[0] == "SUCCESS" })
	if strings.Contains(after.s.logs.String(), "has no transaction for order") {
		t.Fatalf("the service says the emulator forgot, but it did not:\n%s", after.s.logs.String())
	}
	after.s.stop()

	// A DATA_DIR whose emulator part is gone: the service says so, once.
	if err := os.Remove(filepath.Join(env["DATA_DIR"], "emulator", "state.json")); err != nil {
		t.Fatal(err)
	}
	forgot := startServe(t, env)
	waitFor(t, 30*time.Second, func() bool { return strings.Contains(forgot.logs.String(), "has no transaction for order") })
	if n := strings.Count(forgot.logs.String(), "has no transaction for order"); n != 1 {
		t.Fatalf("said %d times:\n%s", n, forgot.logs.String())
	}
}
