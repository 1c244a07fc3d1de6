package wechat

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// The PEM loaders below read the files the merchant platform hands out. Their
// errors never quote the input: a private key pasted into the wrong variable
// must not end up in a log.

// ParsePrivateKeyPEM reads the merchant API key (apiclient_key.pem: PKCS #8
// "PRIVATE KEY"; PKCS #1 "RSA PRIVATE KEY" is accepted too).
func ParsePrivateKeyPEM(b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("merchant private key: no PEM block found")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("merchant private key: malformed PKCS #8 key")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("merchant private key: %T is not an RSA key", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("merchant private key: malformed PKCS #1 key")
		}
		return k, nil
	default:
		return nil, fmt.Errorf("merchant private key: PEM block is %q, want PRIVATE KEY", block.Type)
	}
}

// ParsePublicKeyPEM reads the WeChat Pay public key (pub_key.pem, "PUBLIC KEY").
func ParsePublicKeyPEM(b []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("WeChat Pay public key: no PUBLIC KEY PEM block found")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, errors.New("WeChat Pay public key: malformed PKIX key")
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("WeChat Pay public key: %T is not an RSA key", k)
	}
	return rk, nil
}

// ParseCertificatesPEM reads every CERTIFICATE block of b: WeChat Pay platform
// certificates (during a rotation there are two), or the merchant's
// apiclient_cert.pem, whose CertificateSerial is PayConfig.MchCertSerial.
func ParseCertificatesPEM(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no CERTIFICATE PEM block found")
	}
	return certs, nil
}

// CertificateSerial is a certificate's serial as WeChat writes it in
// Wechatpay-Serial and serial_no: upper-case hex of the serial's bytes.
func CertificateSerial(c *x509.Certificate) string {
	return utils.GetCertificateSerialNumber(*c)
}

// errUnknownSerial: the message names a key we were not configured with.
var errUnknownSerial = errors.New("signed with a key we do not know")

// serialVerifier chooses WeChat's key by Wechatpay-Serial. The SDK's
// verifiers compare serials byte for byte, while serials are hex and WeChat's
// documentation says nothing about their case; this wrapper matches them
// case-insensitively and hands the SDK the spelling it was configured with.
// The cryptography stays the SDK's.
type serialVerifier struct {
	inner   auth.Verifier
	serials map[string]string // upper-case → as configured
}

// newSerialVerifier builds the SDK verifier for whichever of the public key
// and the platform certificates is configured; with both (a migration), the
// combined verifier picks by serial.
func newSerialVerifier(keyID string, pub *rsa.PublicKey, certs []*x509.Certificate) *serialVerifier {
	v := &serialVerifier{serials: map[string]string{}}
	if pub != nil {
		v.serials[strings.ToUpper(keyID)] = keyID
	}
	for _, c := range certs {
		s := CertificateSerial(c)
		v.serials[strings.ToUpper(s)] = s
	}
	switch {
	case pub != nil && len(certs) > 0:
		v.inner = verifiers.NewSHA256WithRSACombinedVerifier(core.NewCertificateMapWithList(certs), keyID, *pub)
	case pub != nil:
		v.inner = verifiers.NewSHA256WithRSAPubkeyVerifier(keyID, *pub)
	default:
		v.inner = verifiers.NewSHA256WithRSAVerifier(core.NewCertificateMapWithList(certs))
	}
	return v
}

// canonical returns the configured spelling of serial, if it is ours.
func (v *serialVerifier) canonical(serial string) (string, bool) {
	s, ok := v.serials[strings.ToUpper(strings.TrimSpace(serial))]
	return s, ok
}

func (v *serialVerifier) Verify(ctx context.Context, serial, message, signature string) error {
	s, ok := v.canonical(serial)
	if !ok {
		return errUnknownSerial
	}
	return v.inner.Verify(ctx, s, message, signature)
}

// GetSerial is what the SDK announces in our requests' Wechatpay-Serial.
func (v *serialVerifier) GetSerial(ctx context.Context) (string, error) {
	return v.inner.GetSerial(ctx)
}

// recordingVerifier remembers whether the SDK got as far as checking the
// signature, and how that went. The SDK reports every refusal as one
// formatted string (with the whole request in it); this tells a bad
// signature apart from a refusal before the signature without parsing it.
type recordingVerifier struct {
	inner  auth.Verifier
	called bool
	err    error
}

func (r *recordingVerifier) Verify(ctx context.Context, serial, message, signature string) error {
	r.called = true
	r.err = r.inner.Verify(ctx, serial, message, signature)
	return r.err
}

func (r *recordingVerifier) GetSerial(ctx context.Context) (string, error) {
	return r.inner.GetSerial(ctx)
}
