// Package token issues and resolves the opaque bearer tokens a logged-in
// mini-program carries. A token is 256 random bits; only its SHA-256 is ever
// stored, so neither the database nor its backups hold a usable token.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/wxmp/wxmp/domain"
)

// prefix makes a leaked token recognisable to secret scanners and people.
const (
	prefix     = "wxmp_"
	randomLen  = 32 // bytes: 256 bits
	encodedLen = len(prefix) + 43
)

// Opaque implements domain.TokenIssuer.
type Opaque struct {
	random io.Reader
}

var _ domain.TokenIssuer = (*Opaque)(nil)

// NewOpaque returns an issuer backed by crypto/rand.
func NewOpaque() *Opaque { return &Opaque{random: rand.Reader} }

func (o *Opaque) Issue() (domain.Token, domain.TokenDigest, error) {
	b := make([]byte, randomLen)
	if _, err := io.ReadFull(o.random, b); err != nil {
		return "", domain.TokenDigest{}, fmt.Errorf("token: random: %w", err)
	}
	t := domain.Token(prefix + base64.RawURLEncoding.EncodeToString(b))
	return t, digest(t), nil
}

// Digest refuses anything that is not shaped like one of our tokens before
// hashing, so garbage never costs a database lookup.
func (o *Opaque) Digest(t domain.Token) (domain.TokenDigest, error) {
	s := string(t)
	if len(s) != encodedLen || !strings.HasPrefix(s, prefix) {
		return domain.TokenDigest{}, domain.ErrUnauthenticated
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(s[len(prefix):]); err != nil || len(b) != randomLen {
		return domain.TokenDigest{}, domain.ErrUnauthenticated
	}
	return digest(t), nil
}

func digest(t domain.Token) domain.TokenDigest {
	return sha256.Sum256([]byte(t))
}
