package token

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"testing/iotest"

	"github.com/wxmp/wxmp/domain"
)

func TestIssueGivesDistinct256BitTokensAndTheirSHA256(t *testing.T) {
	o := NewOpaque()
	seen := map[domain.Token]bool{}
	for range 100 {
		tok, d, err := o.Issue()
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
		if d != sha256.Sum256([]byte(tok)) {
			t.Fatal("digest is not the SHA-256 of the token")
		}
		again, err := o.Digest(tok)
		if err != nil || again != d {
			t.Fatalf("Digest(issued token) = %x, %v; want %x", again, err, d)
		}
	}
}

func TestIssueUsesAllRandomBits(t *testing.T) {
	o := &Opaque{random: bytes.NewReader(bytes.Repeat([]byte{0xff}, randomLen))}
	tok, _, err := o.Issue()
	if err != nil {
		t.Fatal(err)
	}
	if want := "wxmp___________________________________________8"; string(tok) != want {
		t.Fatalf("token = %q, want %q", tok, want)
	}
}

func TestIssueFailsWhenRandomnessFails(t *testing.T) {
	o := &Opaque{random: iotest.ErrReader(errors.New("no entropy"))}
	if _, _, err := o.Issue(); err == nil {
		t.Fatal("Issue succeeded without randomness")
	}
}

func TestDigestRefusesMalformedTokens(t *testing.T) {
	good, _, err := NewOpaque().Issue()
	if err != nil {
		t.Fatal(err)
	}
	const allOnes = "wxmp_" + "__________________________________________8"
	if _, err := NewOpaque().Digest(allOnes); err != nil {
		t.Fatalf("canonical token refused: %v", err)
	}
	for name, tok := range map[string]string{
		"empty":           "",
		"no prefix":       string(good)[len(prefix):] + "xxxxx",
		"wrong prefix":    "wxpp_" + string(good)[len(prefix):],
		"too short":       string(good)[:encodedLen-1],
		"too long":        string(good) + "A",
		"not base64url":   prefix + "+" + string(good)[len(prefix)+1:],
		"non-canonical":   allOnes[:encodedLen-1] + "9", // same bytes as allOnes, stray low bits
		"padding instead": prefix + string(good)[len(prefix):encodedLen-1] + "=",
	} {
		if _, err := NewOpaque().Digest(domain.Token(tok)); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Errorf("%s: Digest(%q) err = %v, want ErrUnauthenticated", name, tok, err)
		}
	}
}
