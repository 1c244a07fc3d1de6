package api_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The body fuzz targets' seed corpora (testdata/fuzz/FuzzX/seed-*) are the
// bodies the mini-program and the operator console send, and the usual
// ways to get them wrong (seed-nul-*: text with U+0000, which PostgreSQL
// cannot store, answered 500 before refuseNUL). This test writes them with
// WXMP_WRITE_FUZZ_SEEDS=1, and otherwise checks that the committed files
// are what it would write. Other files in those folders are inputs the
// fuzzer found; they stay as regression seeds.
//
//	WXMP_WRITE_FUZZ_SEEDS=1 go test -run TestFuzzSeedCorpus ./api/

type bodySeed struct {
	name, idempotencyKey, body string
}

var bodySeeds = map[string][]bodySeed{
	"FuzzLoginBody": {
		{"seed-login", "", `{"code":"{code}"}`},
		{"seed-code-used-or-unknown", "", `{"code":"0a3Xyz000abcDE1Fghi200ijkl3Xyz0m"}`},
		{"seed-empty-code", "", `{"code":""}`},
		{"seed-no-code", "", `{}`},
		{"seed-code-not-a-string", "", `{"code":42}`},
		{"seed-unknown-field", "", `{"code":"{code}","openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}`},
		{"seed-not-json", "", `{"code":`},
		{"seed-nul-in-code", "", `{"code":"\u0000"}`},
	},
	"FuzzPlaceOrderBody": {
		{"seed-one-line", "", `{"items":[{"product_id":"{tea}","quantity":1}]}`},
		{"seed-two-lines-with-key", "order-7f3a9c20-1", `{"items":[{"product_id":"{tea}","quantity":2},{"product_id":"{mug}","quantity":1}]}`},
		{"seed-repeated-product", "", `{"items":[{"product_id":"{tea}","quantity":60},{"product_id":"{tea}","quantity":40}]}`},
		{"seed-unknown-product", "", `{"items":[{"product_id":"0195a3c0-0000-7000-8000-000000000000","quantity":1}]}`},
		{"seed-quantity-zero", "", `{"items":[{"product_id":"{tea}","quantity":0}]}`},
		{"seed-quantity-100", "", `{"items":[{"product_id":"{mug}","quantity":100}]}`},
		{"seed-no-items", "", `{"items":[]}`},
		{"seed-price-from-client", "", `{"items":[{"product_id":"{tea}","quantity":1,"price_fen":1}]}`},
		{"seed-product-id-not-uuid", "", `{"items":[{"product_id":"tea","quantity":1}]}`},
	},
	"FuzzAdminRefundBody": {
		{"seed-part", "", `{"amount_fen":500,"reason":"商品已售完"}`},
		{"seed-part-with-key", "refund-0195a3c0-1", `{"amount_fen":1280,"reason":"一件破损"}`},
		{"seed-no-reason-text", "", `{"amount_fen":1,"reason":""}`},
		{"seed-zero", "", `{"amount_fen":0,"reason":"x"}`},
		{"seed-more-than-paid", "", `{"amount_fen":9223372036854775807,"reason":"x"}`},
		{"seed-reason-81-characters", "", `{"amount_fen":1,"reason":"` + strings.Repeat("退", 81) + `"}`},
		{"seed-amount-as-string", "", `{"amount_fen":"500","reason":"x"}`},
		{"seed-no-amount", "", `{"reason":"x"}`},
		{"seed-nul-in-reason", "", `{"amount_fen":1,"reason":"\u0000"}`},
	},
	"FuzzAdminCreateProductBody": {
		{"seed-product", "", `{"sku":"oolong-250g","name":"乌龙茶 250g","description":"福建安溪铁观音","price_fen":4800,"stock":100,"active":true}`},
		{"seed-minimal", "", `{"sku":"mug.white-1","name":"白色马克杯","price_fen":1,"stock":0}`},
		{"seed-sku-with-space", "", `{"sku":"oolong 250g","name":"乌龙茶","price_fen":4800,"stock":1}`},
		{"seed-blank-name", "", `{"sku":"blank","name":"   ","price_fen":100,"stock":1}`},
		{"seed-price-too-high", "", `{"sku":"gold","name":"金","price_fen":100000001,"stock":1}`},
		{"seed-negative-stock", "", `{"sku":"neg","name":"负","price_fen":100,"stock":-1}`},
		{"seed-no-name", "", `{"sku":"nameless","price_fen":100,"stock":1}`},
		{"seed-nul-in-name", "", `{"sku":"nul","name":"a\u0000b","price_fen":100,"stock":1}`},
	},
	"FuzzAdminUpdateProductBody": {
		{"seed-price", "", `{"price_fen":1380}`},
		{"seed-off-sale", "", `{"active":false}`},
		{"seed-on-sale-restocked", "", `{"active":true,"stock":500}`},
		{"seed-rename", "", `{"name":"乌龙茶（新）","description":""}`},
		{"seed-blank-name", "", `{"name":"  "}`},
		{"seed-nothing", "", `{}`},
		{"seed-null-price", "", `{"price_fen":null}`},
		{"seed-sku-is-not-changeable", "", `{"sku":"tea-2"}`},
		{"seed-nul-in-description", "", `{"description":"乌龙\u0000茶"}`},
	},
	"FuzzAdminResolveAttentionBody": {
		{"seed-note", "", `{"note":"checked on the merchant platform: never paid"}`},
		{"seed-blank-note", "", `{"note":"   "}`},
		{"seed-empty-note", "", `{"note":""}`},
		{"seed-no-note", "", `{}`},
		{"seed-note-not-a-string", "", `{"note":true}`},
		{"seed-nul-in-note", "", `{"note":"refunded\u0000"}`},
	},
}

// withKey says which targets take an Idempotency-Key before the body.
var withKey = map[string]bool{"FuzzPlaceOrderBody": true, "FuzzAdminRefundBody": true}

func TestFuzzSeedCorpus(t *testing.T) {
	write := os.Getenv("WXMP_WRITE_FUZZ_SEEDS") != ""
	for target, seeds := range bodySeeds {
		for _, s := range seeds {
			var b strings.Builder
			b.WriteString("go test fuzz v1\n")
			if withKey[target] {
				fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(s.idempotencyKey))
			}
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(s.body))
			want := []byte(b.String())
			path := filepath.Join("testdata", "fuzz", target, s.name)
			if write {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is missing or stale (%v): WXMP_WRITE_FUZZ_SEEDS=1 go test -run TestFuzzSeedCorpus ./api/", path, err)
			}
		}
	}
}
