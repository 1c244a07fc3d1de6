package control

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxpay"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Control routes for the trade bill: make a day's bill available now
// instead of at 10:00 Beijing the next day, and show it (the console's
// "Make the day's bill").

type billReadyJSON struct {
	Day   string `json:"day"`
	Ready bool   `json:"ready"`
}

// PostBillReady: POST /emulator/bills/{day}/ready
func (a *API) PostBillReady(w http.ResponseWriter, r *http.Request) {
	day := r.PathValue("day")
	if err := a.pay.MakeBillReady(day); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, billReadyJSON{Day: day, Ready: true})
}

// GetBill: GET /emulator/bills/{day}?bill_type=, the uncompressed CSV as
// the download would serve it, ready or not, as text/plain (it is shown,
// not parsed); X-Bill-Ready says whether GET /v3/bill/tradebill would hand
// it out now.
func (a *API) GetBill(w http.ResponseWriter, r *http.Request) {
	day := r.PathValue("day")
	csv, err := a.pay.Bill(day, r.URL.Query().Get("bill_type"))
	switch {
	case errors.Is(err, wxpay.ErrNoBill):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
		return
	case err != nil:
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Bill-Ready", strconv.FormatBool(a.pay.BillReady(day)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(csv)
}
