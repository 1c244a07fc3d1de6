package wxpay

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Signatures both ways, as WeChat Pay APIv3 does them (§2 and §3 of
// docs/wechat-protocol.md): the merchant signs every request with its API
// key; WeChat signs every answer and notification with the platform
// certificate's key or the WeChat Pay public key, per SignMode.

const (
	// maxClockSkew is WeChat's replay window for request timestamps.
	maxClockSkew = 5 * time.Minute
	maxPayBody   = 64 << 10
)

// payError is WeChat Pay's error body.
type payError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// payFailure is a refusal on its way to becoming a payError answer.
type payFailure struct {
	status        int
	code, message string
}

func paramError(msg string) *payFailure {
	return &payFailure{http.StatusBadRequest, "PARAM_ERROR", msg}
}

// authenticate reads a /v3 request's body and checks the merchant's
// signature over it. On failure it has answered 401 (unsigned, as WeChat
// does not sign for a caller it cannot identify) and returns false.
func (e *Server) authenticate(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayBody))
	if err != nil {
		e.writePayError(w, http.StatusBadRequest, "PARAM_ERROR", "请求体无法读取或超过 64KB")
		return nil, false
	}
	if msg := e.verifyMerchant(r, body); msg != "" {
		w.Header().Set("Request-ID", requestID())
		wxshared.WriteJSON(w, http.StatusUnauthorized, wxshared.ContentTypeJSON, payError{Code: "SIGN_ERROR", Message: msg})
		return nil, false
	}
	return body, true
}

// verifyMerchant explains what is wrong with the request's Authorization,
// or returns "". A wrong mchid is a 401 like a wrong key rather than a 403
// NO_AUTH: WeChat cannot tell the two apart, since it looks the key up by
// mchid and serial_no.
func (e *Server) verifyMerchant(r *http.Request, body []byte) string {
	scheme, params, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if scheme != wxshared.SignatureType {
		return "Authorization 缺失，或认证类型不是 " + wxshared.SignatureType
	}
	p, err := parseAuthParams(params)
	if err != nil {
		return "Authorization 格式错误: " + err.Error()
	}
	for _, k := range []string{"mchid", "nonce_str", "timestamp", "serial_no", "signature"} {
		if p[k] == "" {
			return "Authorization 缺少 " + k
		}
	}
	keys := e.keys
	if p["mchid"] != keys.MchID {
		return "商户号 " + p["mchid"] + " 不存在或与证书不匹配"
	}
	if p["serial_no"] != keys.MchCertSerial {
		return "商户证书序列号有误。请使用签名私钥匹配的证书序列号"
	}
	ts, err := strconv.ParseInt(p["timestamp"], 10, 64)
	if err != nil {
		return "timestamp 不是整数秒"
	}
	if skew := e.now().Sub(time.Unix(ts, 0)).Abs(); skew > maxClockSkew {
		return fmt.Sprintf("签名已过期: timestamp 与当前时间相差 %s，超过 5 分钟", skew.Round(time.Second))
	}
	uri := r.RequestURI // as sent: re-encoding the path could change the signed message
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	msg := r.Method + "\n" + uri + "\n" + p["timestamp"] + "\n" + p["nonce_str"] + "\n" + string(body) + "\n"
	if !wxshared.VerifySHA256(&keys.MchPrivateKey.PublicKey, msg, p["signature"]) {
		return "签名错误，请检查签名串与商户私钥"
	}
	return ""
}

// parseAuthParams splits `mchid="1",nonce_str="x",...`. Values are quoted
// and never contain commas or quotes (base64, digits, hex).
func parseAuthParams(s string) (map[string]string, error) {
	p := make(map[string]string)
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("%q is not key=\"value\"", part)
		}
		if _, dup := p[k]; dup {
			return nil, fmt.Errorf("%s appears twice", k)
		}
		p[k] = v[1 : len(v)-1]
	}
	return p, nil
}

// writeSigned answers like WeChat Pay: compact JSON (no body for a nil v,
// e.g. 204), a Request-ID, and the Wechatpay-* signature headers.
func (e *Server) writeSigned(w http.ResponseWriter, status int, v any) {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			panic(fmt.Sprintf("emulator: encode pay response: %v", err)) // the emulator's own types always encode
		}
	}
	h := w.Header()
	h.Set("Request-ID", requestID())
	if err := e.signer.Current().Apply(h, body); err != nil {
		wxshared.WriteControlError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if body != nil {
		h.Set("Content-Type", wxshared.ContentTypeJSON)
	}
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
}

func (e *Server) writePayError(w http.ResponseWriter, status int, code, msg string) {
	e.writeSigned(w, status, payError{Code: code, Message: msg})
}

func (e *Server) writeFailure(w http.ResponseWriter, f *payFailure) {
	e.writePayError(w, f.status, f.code, f.message)
}

// requestID looks like WeChat Pay's Request-ID header, which support asks
// for: upper-case hex and a sequence suffix.
func requestID() string { return strings.ToUpper(wxshared.RandomHex(24)) + "-0" }
