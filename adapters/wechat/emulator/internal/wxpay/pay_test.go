package wxpay_test

import (
	"crypto/rand"
	"crypto/rsa"
	"math"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestNewValidatesPayConfig(t *testing.T) {
	k := emutest.PayKeys(t)
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
		if _, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret, Pay: &pc}); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
	e, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret, Pay: &emulator.PayConfig{Keys: k}})
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
