package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/login"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/phone"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/push"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/shipping"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/subscribe"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/token"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxpay"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Parts are the parts of one emulator the control API works over. Pay is
// nil without Config.Pay; its routes are then not served.
type Parts struct {
	Login     *login.Server
	Token     *token.Server
	Faults    *wxshared.Faults
	Pay       *wxpay.Server
	Shipping  *shipping.Server // nil without Pay
	Push      *push.Server     // nil without a push target
	Phone     *phone.Server
	Subscribe *subscribe.Server
}

// API is the control API over the parts of one emulator.
type API struct {
	login  *login.Server
	token  *token.Server
	faults *wxshared.Faults
	pay    *wxpay.Server
	ship   *shipping.Server
	push   *push.Server
	phone  *phone.Server
	sub    *subscribe.Server
}

// New returns the control API over the given parts.
func New(p Parts) *API {
	return &API{login: p.Login, token: p.Token, faults: p.Faults, pay: p.Pay, ship: p.Shipping, push: p.Push, phone: p.Phone, sub: p.Subscribe}
}

const maxControlBody = 64 << 10

// decodeBody reads one JSON object into v. An empty body leaves v
// as it is; unknown fields are refused so that a typo in a test's fault
// does not silently become a different fault.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON body: more than one value")
	}
	return nil
}
