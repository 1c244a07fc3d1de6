package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/login"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxpay"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// API is the control API over the parts of one emulator. pay is nil
// without Config.Pay; its routes are then not served.
type API struct {
	login  *login.Server
	faults *wxshared.Faults
	pay    *wxpay.Server
}

// New returns the control API over the given parts.
func New(l *login.Server, faults *wxshared.Faults, pay *wxpay.Server) *API {
	return &API{login: l, faults: faults, pay: pay}
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
