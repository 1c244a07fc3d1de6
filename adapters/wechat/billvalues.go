package wechat

import (
	"strings"
	"time"

	"github.com/wxmp/wxmp/domain"
)

// The trade bill's values: amounts in yuan read exactly (no floating
// point ever touches money) and times in Beijing time.

// parseDecimal reads a decimal with at most scale decimals, exactly, as an
// integer in units of 10^-scale: "6.00" at scale 2 is 600. A sign is
// allowed only when signed; no exponent, no spaces, no "+", at most 13
// integer digits (so that no value overflows).
func parseDecimal(s string, scale int, signed bool) (int64, bool) {
	neg := false
	if signed && strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	ip, fp, dot := strings.Cut(s, ".")
	if len(ip) == 0 || len(ip) > 13 || (dot && (len(fp) == 0 || len(fp) > scale)) {
		return 0, false
	}
	var v int64
	for i := 0; i < len(ip); i++ {
		if ip[i] < '0' || ip[i] > '9' {
			return 0, false
		}
		v = v*10 + int64(ip[i]-'0')
	}
	for i := range scale {
		v *= 10
		if i < len(fp) {
			if fp[i] < '0' || fp[i] > '9' {
				return 0, false
			}
			v += int64(fp[i] - '0')
		}
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseBillTime reads "2019-07-25 08:35:41", Beijing time.
func parseBillTime(s string) (time.Time, bool) {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	var n [6]int
	for i, span := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		for j := span[0]; j < span[1]; j++ {
			if s[j] < '0' || s[j] > '9' {
				return time.Time{}, false
			}
			n[i] = n[i]*10 + int(s[j]-'0')
		}
	}
	if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[3] > 23 || n[4] > 59 || n[5] > 59 {
		return time.Time{}, false
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, domain.Beijing)
	if t.Day() != n[2] { // 2019-02-30 would become March
		return time.Time{}, false
	}
	return t, true
}
