package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Every move of a refund request: the ones its table allows, and the
// refusals of the rest.
func TestARefundRequestMovesOnlyAsItsTableSays(t *testing.T) {
	if _, err := NewRefundApplication(pendingOrder(t), 1, "不想要了", t0); !errors.Is(err, ErrNotRefundable) {
		t.Fatalf("a request about an unpaid order: %v", err)
	}
	o := paidOrder(t) // 6060 fen
	for name, c := range map[string]struct {
		amount int64
		reason string
		want   error
	}{
		"zero": {0, "x", nil}, "no reason": {1, "  ", nil}, "long reason": {1, strings.Repeat("长", MaxRefundReason+1), nil},
		"more than paid": {6061, "x", ErrRefundTooLarge},
	} {
		_, err := NewRefundApplication(o, c.amount, c.reason, t0)
		var inv *InvalidError
		if c.want != nil && !errors.Is(err, c.want) || c.want == nil && !errors.As(err, &inv) {
			t.Errorf("%s: %v", name, err)
		}
	}
	r, err := NewRefundApplication(o, 1000, " 少发一件 ", t0)
	if err != nil || r.Status != RequestRequested || r.Reason != "少发一件" || !r.Open() {
		t.Fatalf("new: %v %+v", err, r)
	}
	// A rejection needs a note of 1 to 200 characters.
	for _, note := range []string{" ", strings.Repeat("注", 201)} {
		var inv *InvalidError
		if err := r.Reject(note, t0); !errors.As(err, &inv) || r.Status != RequestRequested {
			t.Fatalf("note %q: %v, %s", note, err, r.Status)
		}
	}
	// Approved: its refund is added to the order with the submit job.
	refund, err := r.Approve(o, "operator:a", t0.Add(time.Minute))
	if err != nil || r.Status != RequestRefunding || r.OutRefundNo != refund.OutRefundNo() || refund.AmountFen() != 1000 || r.Approvals != 1 {
		t.Fatalf("approve: %v %+v", err, r)
	}
	if e := o.TakeEffects(); len(e.Jobs) != 1 || e.Jobs[0].Kind != JobSubmitRefund {
		t.Fatalf("effects %+v", e)
	}
	// Decided: no second approval, no rejection, no withdrawal.
	if _, err := r.Approve(o, "operator:a", t0); !errors.Is(err, ErrRequestNotOpen) {
		t.Fatalf("approve twice: %v", err)
	}
	if err := r.Reject("no", t0); !errors.Is(err, ErrRequestNotOpen) {
		t.Fatalf("reject after approval: %v", err)
	}
	if err := r.Withdraw(t0); !errors.Is(err, ErrRequestNotOpen) {
		t.Fatalf("withdraw after approval: %v", err)
	}
	// WeChat closes the refund (no money moved): back in the queue, approvable again.
	if err := o.ApplyRefundReport(report(o, refund, RefundClosed), merchant, t0); err != nil {
		t.Fatal(err)
	}
	if !r.Follow(o.refund(r.OutRefundNo)) || r.Status != RequestRequested || r.OutRefundNo != "" {
		t.Fatalf("after CLOSED: %+v", r)
	}
	again, err := r.Approve(o, "operator:a", t0.Add(2*time.Minute))
	if err != nil || r.Approvals != 2 || again.OutRefundNo() == refund.OutRefundNo() {
		t.Fatalf("second approval: %v %+v", err, r)
	}
	// A refund that is not its own moves nothing; its own SUCCESS ends it.
	if r.Follow(refund) {
		t.Fatal("followed another refund")
	}
	if err := o.ApplyRefundReport(report(o, again, RefundSuccess), merchant, t0); err != nil {
		t.Fatal(err)
	}
	if !r.Follow(again) || r.Status != RequestRefunded || r.Open() || r.Follow(again) {
		t.Fatalf("after SUCCESS: %+v", r)
	}
	// Withdrawn and rejected are ends too.
	w, _ := NewRefundApplication(o, 100, "拍错了", t0)
	if err := w.Withdraw(t0); err != nil || w.Status != RequestWithdrawn || w.Withdraw(t0) == nil {
		t.Fatalf("withdraw: %v %+v", err, w)
	}
	j, _ := NewRefundApplication(o, 100, "拍错了", t0)
	if err := j.Reject(" 已超过售后期 ", t0); err != nil || j.Status != RequestRejected || j.Note != "已超过售后期" {
		t.Fatalf("reject: %v %+v", err, j)
	}
	if _, err := j.Approve(o, "operator:a", t0); !errors.Is(err, ErrRequestNotOpen) {
		t.Fatalf("approve a rejected request: %v", err)
	}
}
