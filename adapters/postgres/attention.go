package postgres

import (
	"encoding/json"

	"github.com/wxmp/wxmp/domain"
)

// factsJSON is how an attention item's facts are stored (attention_items.facts):
// the domain's Why without its reason, which has a column of its own.
type factsJSON struct {
	AmountFen     int64  `json:"amount_fen,omitempty"`
	OutRefundNo   string `json:"out_refund_no,omitempty"`
	TransactionID string `json:"transaction_id,omitempty"`
	Count         int    `json:"count,omitempty"`
	Cause         string `json:"cause,omitempty"`
}

func factsOf(w domain.Why) []byte {
	// A struct of strings and numbers always marshals.
	b, _ := json.Marshal(factsJSON{AmountFen: w.AmountFen, OutRefundNo: w.OutRefundNo, TransactionID: w.TransactionID, Count: w.Count, Cause: w.Cause})
	return b
}

// whyOf reads the stored reason and facts; items from before they were
// stored have neither, and say why only in their English detail.
func whyOf(reason string, facts []byte) domain.Why {
	var f factsJSON
	_ = json.Unmarshal(facts, &f) // written by factsOf or the column's '{}' default
	return domain.Why{Reason: domain.AttentionReason(reason), AmountFen: f.AmountFen, OutRefundNo: f.OutRefundNo,
		TransactionID: f.TransactionID, Count: f.Count, Cause: f.Cause}
}
