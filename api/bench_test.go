package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// Benchmarks run the real router, Postgres and the emulator in-process;
// numbers are for comparing changes on one machine, not for SLAs.

func benchPost(b *testing.B, url string, header http.Header, body []byte, want int) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header = header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		b.Fatalf("status %d, want %d", res.StatusCode, want)
	}
}

// BenchmarkPlaceOrder: validate, authenticate, reserve stock and insert in
// one transaction, prepay at the emulator (RSA-signed both ways), sign paySign.
func BenchmarkPlaceOrder(b *testing.B) {
	h := newHarness(b)
	if err := h.store.SeedProducts(context.Background(), []postgres.ProductSeed{{SKU: "bench", Name: "bench", PriceFen: 100, Stock: 1 << 30}}); err != nil {
		b.Fatal(err)
	}
	products, _ := h.store.ListProducts(context.Background())
	token := h.login("bench-buyer").Token
	header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}}
	body := []byte(fmt.Sprintf(`{"items":[{"product_id":%q,"quantity":1}]}`, products[0].ID))
	for b.Loop() {
		benchPost(b, h.url+"/v1/orders", header, body, http.StatusCreated)
	}
}

// BenchmarkNotifyApply: a first notification for a pending order: verify
// the signature, decrypt, lock the order, mark it paid, write the ledger.
func BenchmarkNotifyApply(b *testing.B) {
	h := newHarness(b)
	user := h.login("bench-payer")
	userID := user.User.Id
	if err := h.store.SeedProducts(context.Background(), []postgres.ProductSeed{{SKU: "bench", Name: "bench", PriceFen: 100, Stock: 1 << 30}}); err != nil {
		b.Fatal(err)
	}
	products, _ := h.store.ListProducts(context.Background())
	line := []domain.LineRequest{{ProductID: products[0].ID, Quantity: 1}}
	url := h.url + "/v1/wechatpay/notify"
	for b.Loop() {
		b.StopTimer()
		o, _, err := h.store.CreateOrder(context.Background(), domain.NewOrderSpec{UserID: userID, Lines: line, RequestHash: []byte{1}},
			func(l []domain.OrderLine) (*domain.Order, error) {
				return domain.NewOrder(userID, user.User.Openid, domain.NewOutTradeNo(h.clock.Now()), l, nil, h.clock.Now(), orderTTL, nil)
			})
		if err != nil {
			b.Fatal(err)
		}
		_, err = h.pay.Prepay(context.Background(), domain.PrepayRequest{
			OutTradeNo: o.OutTradeNo(), Description: o.Description(), TotalFen: o.TotalFen(),
			PayerOpenID: user.User.Openid, ExpiresAt: o.ExpiresAt(),
		})
		if err != nil {
			b.Fatal(err)
		}
		header, body, err := h.emu.Notification(o.OutTradeNo(), emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) {
			m["transaction_id"] = "42" + strings.ReplaceAll(uuid.NewString(), "-", "")[:26]
		})})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		benchPost(b, url, header, body, http.StatusNoContent)
	}
}

// BenchmarkNotifyDuplicate: the common retry: verified, decrypted, found
// already applied, recorded as a duplicate.
func BenchmarkNotifyDuplicate(b *testing.B) {
	h := newHarness(b)
	token, co := h.pendingCheckout()
	header, body, err := h.emu.Notification(co.Order.OutTradeNo, emulator.NotificationOptions{Mutate: asPaid(nil)})
	if err != nil {
		b.Fatal(err)
	}
	url := h.url + "/v1/wechatpay/notify"
	benchPost(b, url, header, body, http.StatusNoContent)
	h.awaitStatus(token, co.Order.Id, api.Paid)
	for b.Loop() {
		benchPost(b, url, header, body, http.StatusNoContent)
	}
}

// BenchmarkAuthenticatedRead: GET /v1/me, the request every page makes:
// validation, one indexed session lookup, the answer.
func BenchmarkAuthenticatedRead(b *testing.B) {
	h := newHarness(b)
	token := h.login("bench-reader").Token
	req, _ := http.NewRequest("GET", h.url+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := http.DefaultClient.Do(req.Clone(context.Background()))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}

// BenchmarkOrderList: GET /v1/orders, a page of the buyer's orders with
// their lines.
func BenchmarkOrderList(b *testing.B) {
	h := newHarness(b)
	token, products := h.shop(1000)
	for range 10 {
		h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	}
	req, _ := http.NewRequest("GET", h.url+"/v1/orders?limit=20", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := http.DefaultClient.Do(req.Clone(context.Background()))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}
