package wxshared

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"
)

// The control API's faults: POST, GET and DELETE /emulator/faults.

type faultJSON struct {
	Endpoint   Endpoint `json:"endpoint"`
	ErrCode    int      `json:"errcode"`
	Code       string   `json:"code,omitempty"`
	ErrMsg     string   `json:"errmsg,omitempty"`
	DelayMS    int64    `json:"delay_ms"`
	HTTPStatus int      `json:"http_status"`
	Duplicate  int      `json:"duplicate,omitempty"`
	Drop       int      `json:"drop,omitempty"`
	SignTest   bool     `json:"sign_test,omitempty"`
	AnswerLost bool     `json:"answer_lost,omitempty"`
	// RefundOutcome: "ABNORMAL" or "CLOSED" (endpoint refund).
	RefundOutcome string `json:"refund_outcome,omitempty"`
	Times         int    `json:"times"`
}

// PostFault: POST /emulator/faults; answers the fault as queued.
func (e *Faults) PostFault(w http.ResponseWriter, r *http.Request) {
	var req faultJSON
	if err := DecodeControlBody(w, r, &req); err != nil {
		WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	// Checked before converting so that a huge delay_ms cannot overflow
	// into an acceptable Duration.
	if req.DelayMS < 0 || req.DelayMS > MaxFaultDelay.Milliseconds() {
		WriteControlError(w, http.StatusBadRequest, fmt.Sprintf("delay_ms must be between 0 and %d", MaxFaultDelay.Milliseconds()))
		return
	}
	f := Fault{
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
	}
	if err := e.Inject(f); err != nil {
		WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Times == 0 {
		req.Times = 1
	}
	WriteJSON(w, http.StatusCreated, ContentTypeJSON, req)
}

// DeleteFaults: DELETE /emulator/faults
func (e *Faults) DeleteFaults(w http.ResponseWriter, _ *http.Request) {
	e.Clear()
	w.WriteHeader(http.StatusNoContent)
}

// GetFaults: GET /emulator/faults, queued faults in the order they will
// be used, with the calls each has left (times).
func (e *Faults) GetFaults(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	items := []faultJSON{}
	// By endpoint, so the answer is stable; each queue in the order it
	// will be used.
	endpoints := slices.Sorted(maps.Keys(e.faults))
	for _, ep := range endpoints {
		for _, f := range e.faults[ep] {
			items = append(items, faultJSON{
				Endpoint: f.Endpoint, ErrCode: f.ErrCode, Code: f.Code, ErrMsg: f.ErrMsg,
				DelayMS: f.Delay.Milliseconds(), HTTPStatus: f.HTTPStatus, Duplicate: f.Duplicate,
				Drop: f.Drop, SignTest: f.SignTest, RefundOutcome: f.RefundOutcome, Times: f.Times,
			})
		}
	}
	e.mu.Unlock()
	WriteJSON(w, http.StatusOK, ContentTypeJSON, map[string]any{"items": items})
}
