package wxshared_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestPayKeysSurviveAFile(t *testing.T) {
	k := emutest.PayKeys(t)
	path := filepath.Join(t.TempDir(), "fresh", ".data", "keys.json") // a folder that does not exist yet
	if err := emulator.SavePayKeys(path, k); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("files beside the keys: %v", entries) // the temporary one was renamed into place
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	got, err := emulator.LoadPayKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.MchPrivateKey.Equal(k.MchPrivateKey) || !got.PlatformKey.Equal(k.PlatformKey) || !got.PublicKeyPrivate.Equal(k.PublicKeyPrivate) ||
		got.PlatformSerial() != k.PlatformSerial() || got.APIv3Key != k.APIv3Key || got.PublicKeyID != k.PublicKeyID || got.MchCertSerial != k.MchCertSerial {
		t.Fatal("keys changed on the way through the file")
	}
	if err := os.WriteFile(path, []byte(`{"mchid":"1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := emulator.LoadPayKeys(path); err == nil {
		t.Fatal("a broken file loaded")
	}
}
