package control

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The control API's faults (package wxshared queues them): POST, GET and
// DELETE /emulator/faults.

type faultJSON struct {
	Endpoint   wxshared.Endpoint `json:"endpoint"`
	ErrCode    int               `json:"errcode"`
	Code       string            `json:"code,omitempty"`
	ErrMsg     string            `json:"errmsg,omitempty"`
	DelayMS    int64             `json:"delay_ms"`
	HTTPStatus int               `json:"http_status"`
	Duplicate  int               `json:"duplicate,omitempty"`
	Drop       int               `json:"drop,omitempty"`
	SignTest   bool              `json:"sign_test,omitempty"`
	AnswerLost bool              `json:"answer_lost,omitempty"`
	// RefundOutcome: "ABNORMAL" or "CLOSED" (endpoint refund).
	RefundOutcome string `json:"refund_outcome,omitempty"`
	// BillCorrupt: "hash", "truncate", "amount", "duplicate" or
	// "malformed" (endpoint bill).
	BillCorrupt string `json:"bill_corrupt,omitempty"`
	// OutTradeNo: whose payment line "amount", "duplicate" or "malformed"
	// spoils; omitted, the bill's first.
	OutTradeNo string `json:"out_trade_no,omitempty"`
	Times      int    `json:"times"`
}

// PostFault: POST /emulator/faults; answers the fault as queued.
func (a *API) PostFault(w http.ResponseWriter, r *http.Request) {
	var req faultJSON
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	// Checked before converting so that a huge delay_ms cannot overflow
	// into an acceptable Duration.
	if req.DelayMS < 0 || req.DelayMS > wxshared.MaxFaultDelay.Milliseconds() {
		wxshared.WriteControlError(w, http.StatusBadRequest, fmt.Sprintf("delay_ms must be between 0 and %d", wxshared.MaxFaultDelay.Milliseconds()))
		return
	}
	f := wxshared.Fault{
		Endpoint:   req.Endpoint,
		ErrCode:    req.ErrCode,
		ErrMsg:     req.ErrMsg,
		Delay:      time.Duration(req.DelayMS) * time.Millisecond,
		HTTPStatus: req.HTTPStatus,
		Code:       req.Code,
		Duplicate:  req.Duplicate,
		Drop:       req.Drop,
		SignTest:   req.SignTest,
		AnswerLost: req.AnswerLost,
		Times:      req.Times,

		RefundOutcome: req.RefundOutcome,
		BillCorrupt:   req.BillCorrupt,
		OutTradeNo:    req.OutTradeNo,
	}
	if err := a.faults.Inject(f); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Times == 0 {
		req.Times = 1
	}
	wxshared.WriteJSON(w, http.StatusCreated, wxshared.ContentTypeJSON, req)
}

// DeleteFaults: DELETE /emulator/faults
func (a *API) DeleteFaults(w http.ResponseWriter, _ *http.Request) {
	a.faults.Clear()
	w.WriteHeader(http.StatusNoContent)
}

// GetFaults: GET /emulator/faults, queued faults in the order they will
// be used, with the calls each has left (times).
func (a *API) GetFaults(w http.ResponseWriter, _ *http.Request) {
	items := []faultJSON{}
	for _, f := range a.faults.List() {
		items = append(items, faultJSON{
			Endpoint: f.Endpoint, ErrCode: f.ErrCode, Code: f.Code, ErrMsg: f.ErrMsg,
			DelayMS: f.Delay.Milliseconds(), HTTPStatus: f.HTTPStatus, Duplicate: f.Duplicate,
			Drop: f.Drop, SignTest: f.SignTest, AnswerLost: f.AnswerLost, RefundOutcome: f.RefundOutcome,
			BillCorrupt: f.BillCorrupt, OutTradeNo: f.OutTradeNo, Times: f.Times,
		})
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}
