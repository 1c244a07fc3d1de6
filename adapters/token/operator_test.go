package token

import (
	"strings"
	"testing"
)

func TestOperatorKeysVerifyOnlyConfiguredKeys(t *testing.T) {
	key, entry, _, err := MintOperatorKey("ops-1")
	if err != nil {
		t.Fatal(err)
	}
	other, otherEntry, _, _ := MintOperatorKey("ops-2")
	if strings.Contains(entry, strings.TrimPrefix(key, "wxop_ops-1_")) {
		t.Fatal("the configuration line holds the key itself")
	}
	keys, err := ParseOperatorKeys(entry + ", " + otherEntry)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := keys.Verify(key); !ok || id != "ops-1" {
		t.Fatalf("configured key: %q %v", id, ok)
	}
	if id, ok := keys.Verify(other); !ok || id != "ops-2" {
		t.Fatalf("second key: %q %v", id, ok)
	}
	buyer, _, _ := NewOpaque().Issue()
	for name, k := range map[string]string{
		"empty": "", "buyer token": string(buyer), "other id, same secret": strings.Replace(key, "ops-1", "ops-2", 1),
		"wrong secret": key[:len(key)-1] + "A", "no id": "wxop__" + key[len("wxop_ops-1_"):], "unknown id": strings.Replace(key, "ops-1", "ops-9", 1),
	} {
		if _, ok := keys.Verify(k); ok {
			t.Errorf("%s accepted", name)
		}
	}
	// Revoked: configured without it.
	revoked, _ := ParseOperatorKeys(otherEntry)
	if _, ok := revoked.Verify(key); ok {
		t.Fatal("a key removed from the configuration still works")
	}
}

func TestOperatorKeysConfigIsChecked(t *testing.T) {
	_, entry, _, _ := MintOperatorKey("a")
	for name, cfg := range map[string]string{
		"no digest": "a", "short digest": "a:abcd", "not hex": "a:" + strings.Repeat("z", 64),
		"bad id": "A B:" + strings.Repeat("0", 64), "duplicate": entry + "," + entry,
	} {
		if _, err := ParseOperatorKeys(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if k, err := ParseOperatorKeys(""); err != nil || k.Len() != 0 {
		t.Fatal("empty configuration:", err)
	}
	if _, _, _, err := MintOperatorKey("Not Valid"); err == nil {
		t.Fatal("minted a key with a bad id")
	}
}
