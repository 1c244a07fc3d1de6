package emulator

// The trade bill's methods (package wxpay, billapi.go).

// MakeBillReady makes the bill of day (yyyy-MM-dd, Beijing) available to
// GET /v3/bill/tradebill now instead of at 10:00 Beijing the next day, as
// POST /emulator/bills/{day}/ready does. Errors: ErrBadBillDate,
// ErrPayDisabled.
func (e *Emulator) MakeBillReady(day string) error {
	if e.pay == nil {
		return ErrPayDisabled
	}
	return e.pay.MakeBillReady(day)
}

// Bill is the uncompressed bill of day of billType (BillAll, BillSuccess,
// BillRefund; "" means BillAll) as the download would serve it, ready or
// not, as GET /emulator/bills/{day} answers it. Errors: ErrBadBillDate,
// ErrNoBill, ErrPayDisabled.
func (e *Emulator) Bill(day, billType string) ([]byte, error) {
	if e.pay == nil {
		return nil, ErrPayDisabled
	}
	return e.pay.Bill(day, billType)
}
