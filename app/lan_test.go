package main

import "testing"

// 真机调试: make run serves the LAN and tells the emulator its LAN address
// (README: "A real phone on your LAN"); the emulator itself stays on loopback.
func TestMakeRunCanServeAPhoneOnTheLAN(t *testing.T) {
	cfg, err := LoadConfig(map[string]string{"HTTP_ADDR": "0.0.0.0:8080", "PUBLIC_URL": "http://192.168.1.20:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkEmulatorSafety(cfg); err != nil {
		t.Fatalf("emulator mode refuses a LAN API: %v", err)
	}
	if cfg.WeChatPayNotifyURL != "http://192.168.1.20:8080/v1/wechatpay/notify" {
		t.Fatalf("notify URL %s", cfg.WeChatPayNotifyURL)
	}
}
