package postgres

import (
	"bytes"
	"testing"
)

func TestSealerRoundTripAndFreshNonces(t *testing.T) {
	s, err := NewSealer(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("0123456789abcdef")
	a, err := s.Seal(plain, "owner")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Seal(plain, "owner")
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one key are identical: nonce reused")
	}
	if a[0] != sealVersion || len(a) != 1+12+len(plain)+16 {
		t.Fatalf("sealed form: version %d, length %d", a[0], len(a))
	}
	got, err := s.Open(a, "owner")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(a, "someone else"); err == nil {
		t.Fatal("opened with another owner")
	}
	flipped := append([]byte(nil), a...)
	flipped[len(flipped)-1] ^= 1
	if _, err := s.Open(flipped, "owner"); err == nil {
		t.Fatal("opened a tampered ciphertext")
	}
	wrongVersion := append([]byte{2}, a[1:]...)
	if _, err := s.Open(wrongVersion, "owner"); err == nil {
		t.Fatal("opened an unknown version")
	}
}

func TestNewSealerRefusesShortKeys(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewSealer(make([]byte, n)); err == nil {
			t.Errorf("accepted a %d-byte key", n)
		}
	}
}
