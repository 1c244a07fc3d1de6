package wxshared_test

import (
	"crypto/rsa"
	"regexp"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestGeneratePayKeys(t *testing.T) {
	k := emutest.PayKeys(t)
	for name, c := range map[string]struct {
		value string
		re    string
	}{
		"MchID":            {k.MchID, `^` + emutest.TestMchID + `$`},
		"MchCertSerial":    {k.MchCertSerial, `^[0-9A-F]{40}$`},
		"APIv3Key":         {k.APIv3Key, `^[0-9A-Za-z]{32}$`},
		"PublicKeyID":      {k.PublicKeyID, `^PUB_KEY_ID_\d+$`},
		"PlatformSerial()": {k.PlatformSerial(), `^[0-9A-F]{40}$`},
	} {
		if !regexp.MustCompile(c.re).MatchString(c.value) {
			t.Errorf("%s = %q, want %s", name, c.value, c.re)
		}
	}
	if got := utils.GetCertificateSerialNumber(*k.PlatformCert); got != k.PlatformSerial() {
		t.Errorf("the SDK reads serial %q, PlatformSerial says %q", got, k.PlatformSerial())
	}
	for _, key := range []*rsa.PrivateKey{k.MchPrivateKey, k.PlatformKey, k.PublicKeyPrivate} {
		if key.N.BitLen() != 2048 {
			t.Errorf("a key of %d bits, want 2048", key.N.BitLen())
		}
	}
	if k.MchPrivateKey.Equal(k.PlatformKey) || k.PlatformKey.Equal(k.PublicKeyPrivate) {
		t.Error("keys are shared between roles")
	}
	if now := time.Now(); !utils.IsCertificateValid(*k.PlatformCert, now) {
		t.Errorf("platform certificate not valid now: %s to %s", k.PlatformCert.NotBefore, k.PlatformCert.NotAfter)
	}

	// The PEM files load the way the merchant's service loads WeChat's.
	mch, err := utils.LoadPrivateKey(string(k.MchPrivateKeyPEM()))
	if err != nil || !mch.Equal(k.MchPrivateKey) {
		t.Errorf("MchPrivateKeyPEM: %v", err)
	}
	cert, err := utils.LoadCertificate(string(k.PlatformCertPEM()))
	if err != nil || !cert.Equal(k.PlatformCert) {
		t.Errorf("PlatformCertPEM: %v", err)
	}
	pub, err := utils.LoadPublicKey(string(k.PublicKeyPEM()))
	if err != nil || !pub.Equal(&k.PublicKeyPrivate.PublicKey) {
		t.Errorf("PublicKeyPEM: %v", err)
	}

	if _, err := emulator.GeneratePayKeys(""); err == nil {
		t.Error("GeneratePayKeys accepted an empty mchid")
	}
	if (emulator.PayKeys{}).PlatformSerial() != "" || (emulator.PayKeys{}).PlatformCertPEM() != nil || (emulator.PayKeys{}).PublicKeyPEM() != nil {
		t.Error("empty PayKeys gave key material")
	}
}
