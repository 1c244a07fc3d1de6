package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Operator API keys look like wxop_<key id>_<43 base64url characters>. The
// service is configured with each key's id and SHA-256 only
// (OPERATOR_API_KEYS="id:hex,id:hex"), so the configuration, logs and
// backups never hold a usable key; removing a line revokes that key on
// every instance at its next start.
const operatorPrefix = "wxop_"

var operatorKeyID = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// OperatorKeys verifies operator API keys against their configured digests.
type OperatorKeys struct {
	digests map[string][32]byte
}

// ParseOperatorKeys reads "id:sha256hex,id:sha256hex" (empty: no keys).
func ParseOperatorKeys(config string) (*OperatorKeys, error) {
	k := &OperatorKeys{digests: map[string][32]byte{}}
	for _, entry := range strings.Split(config, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, hexDigest, ok := strings.Cut(entry, ":")
		raw, err := hex.DecodeString(hexDigest)
		switch {
		case !ok || !operatorKeyID.MatchString(id):
			return nil, errors.New("OPERATOR_API_KEYS: each entry is <key id>:<sha256 hex>, the id 1-32 of a-z, 0-9 and '-'")
		case err != nil || len(raw) != sha256.Size:
			return nil, fmt.Errorf("OPERATOR_API_KEYS: key %q: the digest must be 64 hex characters (the SHA-256 of the key, never the key)", id)
		}
		if _, dup := k.digests[id]; dup {
			return nil, fmt.Errorf("OPERATOR_API_KEYS: key id %q appears twice", id)
		}
		k.digests[id] = [32]byte(raw)
	}
	return k, nil
}

// Add accepts one more key (emulator mode mints one at start).
func (k *OperatorKeys) Add(id string, digest [32]byte) { k.digests[id] = digest }

// Len is how many keys are configured.
func (k *OperatorKeys) Len() int { return len(k.digests) }

// Verify says which key id an operator key belongs to; ok is false for
// anything that is not a configured key (a buyer's token included).
func (k *OperatorKeys) Verify(key string) (id string, ok bool) {
	rest, found := strings.CutPrefix(key, operatorPrefix)
	if !found {
		return "", false
	}
	i := strings.IndexByte(rest, '_') // ids have no '_'; the secret may
	if i <= 0 {
		return "", false
	}
	id = rest[:i]
	want, known := k.digests[id]
	got := sha256.Sum256([]byte(key))
	if !known || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return "", false
	}
	return id, true
}

// MintOperatorKey makes a new key for id and the OPERATOR_API_KEYS entry
// that accepts it.
func MintOperatorKey(id string) (key, entry string, digest [32]byte, err error) {
	if !operatorKeyID.MatchString(id) {
		return "", "", digest, errors.New("operator key id: 1-32 of a-z, 0-9 and '-'")
	}
	b := make([]byte, randomLen)
	if _, err := rand.Read(b); err != nil {
		return "", "", digest, fmt.Errorf("operator key: random: %w", err)
	}
	key = operatorPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(b)
	digest = sha256.Sum256([]byte(key))
	return key, id + ":" + hex.EncodeToString(digest[:]), digest, nil
}

// DigestOperatorKey checks that key has the shape MintOperatorKey gives
// (wxop_<id>_<secret>) and returns its id and digest, for a key kept
// somewhere (make run's, under DATA_DIR) rather than minted now.
func DigestOperatorKey(key string) (id string, digest [32]byte, err error) {
	rest, ok := strings.CutPrefix(key, operatorPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	raw, derr := base64.RawURLEncoding.DecodeString(secret)
	if !ok || !ok2 || !operatorKeyID.MatchString(id) || derr != nil || len(raw) != randomLen {
		return "", digest, errors.New("not an operator key (wxop_<id>_<secret>)")
	}
	return id, sha256.Sum256([]byte(key)), nil
}
