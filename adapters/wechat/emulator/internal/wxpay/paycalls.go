package wxpay

// Counts of the query and close calls the emulator served, per
// out_trade_no, so that a test can hold the merchant to a budget ("at most
// one query per order"). A call counts once it is past injected faults and
// the merchant's signature: a faulted or unauthenticated call never reached
// WeChat Pay's business logic. Numbers without a transaction count too,
// since querying an order WeChat never saw is a call like any other.

// QueryCount is how many queries of outTradeNo the emulator served; 0
// without Config.Pay.
func (e *Server) QueryCount(outTradeNo string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.queries[outTradeNo]
}

// CloseCount is how many closes of outTradeNo the emulator served; 0
// without Config.Pay.
func (e *Server) CloseCount(outTradeNo string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closes[outTradeNo]
}

// countCall records one served call in counts (e.queries or closes),
// which e.mu guards.
func (e *Server) countCall(counts map[string]int, outTradeNo string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	counts[outTradeNo]++
}
