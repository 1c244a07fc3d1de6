package wxshared

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// CST is the zone WeChat writes every time in (+08:00).
var CST = time.FixedZone("CST", 8*60*60)

// RandomBytes returns n bytes from crypto/rand, which never fails since Go
// 1.24 (it crashes the program instead of returning an error).
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func RandomHex(n int) string { return hex.EncodeToString(RandomBytes(n)) }

const (
	digits       = "0123456789"
	alphanumeric = digits + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// randomFrom draws n characters of alphabet (at most 256 long), rejecting
// bytes past the last whole multiple of its length so that every character
// is equally likely: APIv3Key is a real AES key.
func randomFrom(alphabet string, n int) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	for len(out) < n {
		for _, c := range RandomBytes(n) {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func RandomAlnum(n int) string  { return randomFrom(alphanumeric, n) }
func RandomDigits(n int) string { return randomFrom(digits, n) }
