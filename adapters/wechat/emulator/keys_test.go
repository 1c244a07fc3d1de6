package emulator_test

import (
	"crypto/rand"
	"crypto/rsa"
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

func TestGeneratePayKeys(t *testing.T) {
	k := testPayKeys(t)
	for name, c := range map[string]struct {
		value string
		re    string
	}{
		"MchID":            {k.MchID, `^` + testMchID + `$`},
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

func TestNewValidatesPayConfig(t *testing.T) {
	k := testPayKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*emulator.PayConfig){
		"no keys":             func(c *emulator.PayConfig) { c.Keys = emulator.PayKeys{} },
		"no mchid":            func(c *emulator.PayConfig) { c.Keys.MchID = "" },
		"no merchant serial":  func(c *emulator.PayConfig) { c.Keys.MchCertSerial = "" },
		"no platform cert":    func(c *emulator.PayConfig) { c.Keys.PlatformCert = nil },
		"short APIv3 key":     func(c *emulator.PayConfig) { c.Keys.APIv3Key = "0123456789abcdef" },
		"public key id":       func(c *emulator.PayConfig) { c.Keys.PublicKeyID = "1234" },
		"cert of another key": func(c *emulator.PayConfig) { c.Keys.PlatformKey = k.PublicKeyPrivate },
		"1024-bit key":        func(c *emulator.PayConfig) { c.Keys.MchPrivateKey = small },
		"unknown sign mode":   func(c *emulator.PayConfig) { c.SignMode = "md5" },
		"negative time scale": func(c *emulator.PayConfig) { c.TimeScale = -1 },
		"NaN time scale":      func(c *emulator.PayConfig) { c.TimeScale = math.NaN() },
		"infinite time scale": func(c *emulator.PayConfig) { c.TimeScale = math.Inf(1) },
		"negative retry wait": func(c *emulator.PayConfig) { c.RetrySchedule = []time.Duration{time.Second, -time.Second} },
	} {
		pc := emulator.PayConfig{Keys: k}
		edit(&pc)
		if _, err := emulator.New(emulator.Config{AppID: testAppID, Secret: testSecret, Pay: &pc}); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
	e, err := emulator.New(emulator.Config{AppID: testAppID, Secret: testSecret, Pay: &emulator.PayConfig{Keys: k}})
	if err != nil {
		t.Fatalf("minimal pay config: %v", err)
	}
	defer e.Close()
	defer func() {
		if recover() == nil {
			t.Error("SetSignMode accepted an unknown mode")
		}
	}()
	e.SetSignMode("md5")
}

func TestDefaultRetrySchedule(t *testing.T) {
	s := emulator.DefaultRetrySchedule()
	var total time.Duration
	for _, d := range s {
		total += d
	}
	if len(s) != 15 || s[0] != 15*time.Second || s[14] != 6*time.Hour || total != 24*time.Hour+4*time.Minute {
		t.Fatalf("schedule %v (total %s), want WeChat's 15 waits over 24h4m", s, total)
	}
	s[0] = 0
	if emulator.DefaultRetrySchedule()[0] != 15*time.Second {
		t.Fatal("DefaultRetrySchedule shares its slice")
	}
}
