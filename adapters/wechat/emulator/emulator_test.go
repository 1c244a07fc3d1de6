package emulator_test

import (
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]emulator.Config{
		"no appid":         {Secret: "s"},
		"no secret":        {AppID: "wx1"},
		"negative CodeTTL": {AppID: "wx1", Secret: "s", CodeTTL: -time.Second},
	} {
		if _, err := emulator.New(cfg); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
	if _, err := emulator.New(emulator.Config{AppID: "wx1", Secret: "s"}); err != nil {
		t.Fatalf("minimal config: %v", err)
	}
}
