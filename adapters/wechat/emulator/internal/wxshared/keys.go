package wxshared

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// payKeyBits is the RSA size WeChat Pay uses for every key of APIv3.
const payKeyBits = 2048

// PayKeys is every key of a merchant ↔ WeChat Pay pair, freshly generated:
// what `make run` and tests share between the service and the emulator.
// In production the merchant's half comes from the merchant platform as
// files; the emulator holds the private halves of WeChat's keys too, since
// it plays WeChat.
type PayKeys struct {
	MchID            string
	MchPrivateKey    *rsa.PrivateKey   // merchant's API key (signs requests and paySign)
	MchCertSerial    string            // serial of the merchant API certificate (40 upper-case hex chars)
	APIv3Key         string            // 32 ASCII chars, AES-256-GCM key for notifications
	PlatformKey      *rsa.PrivateKey   // WeChat Pay platform certificate's key
	PlatformCert     *x509.Certificate // self-signed, serial = hex upper-case
	PublicKeyID      string            // "PUB_KEY_ID_" + digits
	PublicKeyPrivate *rsa.PrivateKey   // private half of the WeChat Pay public key
}

// GeneratePayKeys makes a fresh, unrelated set of RSA 2048 keys for mchID.
// The three keys are generated in parallel: RSA key generation is the slow
// part of starting a pay emulator.
func GeneratePayKeys(mchID string) (PayKeys, error) {
	if mchID == "" {
		return PayKeys{}, errors.New("emulator: GeneratePayKeys needs a mchid")
	}
	var rsaKeys [3]*rsa.PrivateKey
	var errs [3]error
	done := make(chan struct{}, len(rsaKeys))
	for i := range rsaKeys {
		go func() {
			rsaKeys[i], errs[i] = rsa.GenerateKey(rand.Reader, payKeyBits)
			done <- struct{}{}
		}()
	}
	for range rsaKeys {
		<-done
	}
	if err := errors.Join(errs[:]...); err != nil {
		return PayKeys{}, fmt.Errorf("emulator: generate pay keys: %w", err)
	}
	k := PayKeys{
		MchID:            mchID,
		MchPrivateKey:    rsaKeys[0],
		MchCertSerial:    strings.ToUpper(RandomHex(20)),
		APIv3Key:         RandomAlnum(32),
		PlatformKey:      rsaKeys[1],
		PublicKeyID:      "PUB_KEY_ID_" + RandomDigits(28),
		PublicKeyPrivate: rsaKeys[2],
	}
	cert, err := selfSignedPlatformCert(k.PlatformKey, time.Now())
	if err != nil {
		return PayKeys{}, fmt.Errorf("emulator: generate platform certificate: %w", err)
	}
	k.PlatformCert = cert
	return k, nil
}

// selfSignedPlatformCert stands in for the certificate WeChat Pay hands out
// through /v3/certificates. Real ones are issued by Tenpay's CA and last
// five years; only the key and the serial matter to verifiers.
func selfSignedPlatformCert(key *rsa.PrivateKey, now time.Time) (*x509.Certificate, error) {
	// 20 bytes with the top bit clear (a positive DER integer) and the top
	// nibble set, so that the serial is always 40 hex characters like
	// WeChat's.
	b := RandomBytes(20)
	b[0] = 0x10 + b[0]%0x70
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(b),
		Subject: pkix.Name{
			CommonName:         "Tenpay.com (WeChat Pay emulator)",
			Organization:       []string{"Tenpay.com"},
			OrganizationalUnit: []string{"WeChat Pay emulator platform certificate"},
			Country:            []string{"CN"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// PlatformSerial is the platform certificate's serial as WeChat writes it
// in Wechatpay-Serial: upper-case hex of the serial's bytes.
func (k PayKeys) PlatformSerial() string {
	if k.PlatformCert == nil {
		return ""
	}
	return fmt.Sprintf("%X", k.PlatformCert.SerialNumber.Bytes())
}

// MchPrivateKeyPEM is the merchant key as apiclient_key.pem holds it
// (PKCS #8, "PRIVATE KEY").
func (k PayKeys) MchPrivateKeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k.MchPrivateKey)
	if err != nil {
		return nil // only a nil or broken key gets here
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// PlatformCertPEM is the platform certificate as the certificate download
// API delivers it.
func (k PayKeys) PlatformCertPEM() []byte {
	if k.PlatformCert == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.PlatformCert.Raw})
}

// PublicKeyPEM is the WeChat Pay public key as pub_key.pem holds it
// (PKIX, "PUBLIC KEY").
func (k PayKeys) PublicKeyPEM() []byte {
	if k.PublicKeyPrivate == nil {
		return nil
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKeyPrivate.PublicKey)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Validate refuses a PayKeys that would make the emulator sign with one key
// and announce another.
func (k PayKeys) Validate() error {
	switch {
	case k.MchID == "":
		return errors.New("Keys.MchID is required")
	case k.MchPrivateKey == nil || k.PlatformKey == nil || k.PublicKeyPrivate == nil || k.PlatformCert == nil:
		return errors.New("Keys needs MchPrivateKey, PlatformKey, PlatformCert and PublicKeyPrivate: use GeneratePayKeys")
	case k.MchCertSerial == "":
		return errors.New("Keys.MchCertSerial is required")
	case len(k.APIv3Key) != 32:
		return fmt.Errorf("Keys.APIv3Key must be 32 bytes (AES-256), got %d", len(k.APIv3Key))
	case !strings.HasPrefix(k.PublicKeyID, "PUB_KEY_ID_"):
		return fmt.Errorf("Keys.PublicKeyID %q must start with PUB_KEY_ID_", k.PublicKeyID)
	}
	for name, key := range map[string]*rsa.PrivateKey{"MchPrivateKey": k.MchPrivateKey, "PlatformKey": k.PlatformKey, "PublicKeyPrivate": k.PublicKeyPrivate} {
		if key.N.BitLen() < payKeyBits {
			return fmt.Errorf("Keys.%s has %d bits, WeChat Pay uses %d", name, key.N.BitLen(), payKeyBits)
		}
	}
	if pub, ok := k.PlatformCert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&k.PlatformKey.PublicKey) {
		return errors.New("Keys.PlatformCert does not hold the public half of Keys.PlatformKey")
	}
	return nil
}
