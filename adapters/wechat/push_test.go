package wechat_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat"
)

const (
	pushToken = "AAAAA"
	pushKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" // 43 characters
	pushAppID = "wxpushtest"
)

func sign(parts ...string) string {
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// seal is §17's cipher, written out here apart from the adapter.
func seal(t *testing.T, msg, appID string) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(pushKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	plain.WriteString("0123456789abcdef")
	_ = binary.Write(&plain, binary.BigEndian, uint32(len(msg)))
	plain.WriteString(msg + appID)
	pad := 32 - plain.Len()%32
	plain.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(key)
	out := make([]byte, plain.Len())
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain.Bytes())
	return base64.StdEncoding.EncodeToString(out)
}

func TestPushURLCheckIsTheDocumentedSignature(t *testing.T) {
	// §17's worked example.
	now := time.Unix(1714036504, 0)
	p, err := wechat.NewPush(wechat.PushConfig{Token: pushToken, EncodingAESKey: pushKey, AppID: pushAppID, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"signature": {"f464b24fc39322e44b38aa78f5edd27bd1441696"}, "timestamp": {"1714036504"}, "nonce": {"1514711492"}, "echostr": {"hello"}}
	if echo, err := p.VerifyURL(q); err != nil || echo != "hello" {
		t.Fatalf("echo %q %v", echo, err)
	}
	q.Set("signature", "f464b24fc39322e44b38aa78f5edd27bd1441697")
	if _, err := p.VerifyURL(q); !errors.Is(err, wechat.ErrPushRefused) {
		t.Fatalf("wrong signature: %v", err)
	}
}

func TestPushesAreOpenedOnlyWhenTheyAreWeChats(t *testing.T) {
	now := time.Unix(1714037059, 0)
	p, err := wechat.NewPush(wechat.PushConfig{Token: pushToken, EncodingAESKey: pushKey, AppID: pushAppID, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	msg := `{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1714037059,"MsgType":"event","Event":"trade_manage_order_settlement",` +
		`"transaction_id":"4200001","merchant_id":"1900000001","merchant_trade_no":"T1","pay_time":1714030000}`
	push := func(appID string, at time.Time, tamper func(q url.Values)) (url.Values, []byte) {
		enc := seal(t, msg, appID)
		ts := strconv.FormatInt(at.Unix(), 10)
		q := url.Values{"timestamp": {ts}, "nonce": {"42"}, "encrypt_type": {"aes"}, "signature": {sign(pushToken, ts, "42")},
			"msg_signature": {sign(pushToken, ts, "42", enc)}}
		if tamper != nil {
			tamper(q)
		}
		return q, []byte(`{"ToUserName":"gh_1","Encrypt":"` + enc + `"}`)
	}
	q, body := push(pushAppID, now, nil)
	for range 2 { // a repeat opens the same: the use case decides it changes nothing
		ev, err := p.Open(q, body)
		if err != nil || ev.Event != "trade_manage_order_settlement" || ev.TransactionID != "4200001" || ev.OutTradeNo != "T1" {
			t.Fatalf("event %+v %v", ev, err)
		}
	}
	for name, c := range map[string]struct {
		appID string
		at    time.Time
		tamp  func(url.Values)
	}{
		"another appid": {"wxother", now, nil},
		"stale":         {pushAppID, now.Add(-wechat.PushWindow - time.Second), nil},
		"msg_signature": {pushAppID, now, func(q url.Values) { q.Set("msg_signature", sign("other", q.Get("timestamp"))) }},
		"plain mode":    {pushAppID, now, func(q url.Values) { q.Del("encrypt_type") }},
		"no timestamp":  {pushAppID, now, func(q url.Values) { q.Del("timestamp") }},
	} {
		q, body := push(c.appID, c.at, c.tamp)
		if _, err := p.Open(q, body); !errors.Is(err, wechat.ErrPushRefused) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := p.Open(q, []byte(`{"Encrypt":"bm90IGEgYmxvY2s="}`)); !errors.Is(err, wechat.ErrPushRefused) {
		t.Errorf("garbage ciphertext: %v", err)
	}
}
