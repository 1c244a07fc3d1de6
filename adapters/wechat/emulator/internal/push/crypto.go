package push

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// pkcs7Block is the block WeChat pads to: 32 bytes, not AES's 16.
const pkcs7Block = 32

// encodingAESKeyLen is the length of an EncodingAESKey: 43 characters of
// base64, the 44th ("=") left off.
const encodingAESKeyLen = 43

// Signature is WeChat's signature of a push or of the URL check:
// hex(sha1(the parts sorted and joined)), the parts being the Token, the
// timestamp and the nonce, and for msg_signature the Encrypt too.
func Signature(parts ...string) string {
	sorted := append([]string(nil), parts...)
	sort.Strings(sorted)
	sum := sha1.Sum([]byte(strings.Join(sorted, "")))
	return hex.EncodeToString(sum[:])
}

// AESKey decodes an EncodingAESKey: base64 of the 43 characters and "=",
// 32 bytes.
func AESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != encodingAESKeyLen {
		return nil, fmt.Errorf("EncodingAESKey must be %d characters, got %d", encodingAESKeyLen, len(encodingAESKey))
	}
	for _, c := range encodingAESKey {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return nil, errors.New("EncodingAESKey must be letters and digits, as the admin console makes it")
		}
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("EncodingAESKey does not decode to 32 bytes: %v", err)
	}
	return key, nil
}

// Encrypt seals msg as WeChat does for a push in safe mode: AES-256-CBC
// under key, IV key[:16], over random(16) ‖ uint32_be(len(msg)) ‖ msg ‖
// appID padded with PKCS#7 to a multiple of 32, in base64.
func Encrypt(key []byte, appID string, msg []byte) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	var plain bytes.Buffer
	plain.Write(wxshared.RandomBytes(16))
	_ = binary.Write(&plain, binary.BigEndian, uint32(len(msg)))
	plain.Write(msg)
	plain.WriteString(appID)
	pad := pkcs7Block - plain.Len()%pkcs7Block // 1 to 32
	plain.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	out := make([]byte, plain.Len())
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(out, plain.Bytes())
	return base64.StdEncoding.EncodeToString(out), nil
}
