package postgres

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Sealer encrypts session keys before they reach the database, so that a
// dump or a replica never holds them in clear. AES-256-GCM, with the owner's
// openid as additional data: a ciphertext copied onto another user's row
// does not decrypt.
//
// Stored form: version(1) || nonce(12) || ciphertext || tag(16). The version
// byte leaves room for key rotation.
type Sealer struct {
	aead cipher.AEAD
}

const sealVersion = 1

// NewSealer takes the 32-byte key from SESSION_KEY_ENCRYPTION_KEY.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("session key encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

func (s *Sealer) Seal(plain []byte, owner string) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:], plain, []byte(owner)), nil
}

var errUnseal = errors.New("stored session key does not decrypt (wrong key or tampered row)")

func (s *Sealer) Open(sealed []byte, owner string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, errUnseal
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(owner))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}
