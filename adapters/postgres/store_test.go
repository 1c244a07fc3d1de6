package postgres_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxmp/wxmp/adapters/jobs"
	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/domain"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t)
	sealer, err := postgres.NewSealer(bytes.Repeat([]byte{42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return postgres.NewStore(pool, sealer, scheduler(t)), pool
}

func scheduler(t *testing.T) *jobs.Scheduler {
	t.Helper()
	s, err := jobs.NewScheduler()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func identity(t *testing.T, openID, unionID string) domain.WeChatIdentity {
	t.Helper()
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	key, err := domain.SessionKeyFromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return domain.WeChatIdentity{OpenID: openID, UnionID: unionID, SessionKey: key}
}

func newSession(at time.Time) domain.NewSession {
	var d domain.TokenDigest
	_, _ = rand.Read(d[:])
	return domain.NewSession{Digest: d, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
}

func TestSaveLoginStoresSessionKeyOnlyEncrypted(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	id := identity(t, "o-alice", "")
	user, err := store.SaveLogin(ctx, id, newSession(t0))
	if err != nil {
		t.Fatal(err)
	}

	var sealed []byte
	if err := pool.QueryRow(ctx, "SELECT session_key_ciphertext FROM users WHERE id = $1", user.ID()).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	raw := id.SessionKey.Bytes()
	for name, clear := range map[string][]byte{"raw": raw, "base64": []byte(base64.StdEncoding.EncodeToString(raw)), "hex-ish half": raw[:8]} {
		if bytes.Contains(sealed, clear) {
			t.Fatalf("stored ciphertext contains the %s key", name)
		}
	}
	// Nothing else in the row holds it either.
	var rowText string
	if err := pool.QueryRow(ctx, "SELECT u::text FROM users u WHERE id = $1", user.ID()).Scan(&rowText); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains([]byte(rowText), []byte(base64.StdEncoding.EncodeToString(raw))) {
		t.Fatal("row holds the base64 session key")
	}

	got, err := store.SessionKey(ctx, user.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), raw) {
		t.Fatal("SessionKey does not decrypt to the stored key")
	}
}

func TestSaveLoginUpsertsByOpenID(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	first, err := store.SaveLogin(ctx, identity(t, "o-bob", "u-bob"), newSession(t0))
	if err != nil {
		t.Fatal(err)
	}
	second := identity(t, "o-bob", "") // this code2session omitted unionid
	again, err := store.SaveLogin(ctx, second, newSession(t0.Add(time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	if again.ID() != first.ID() || again.UnionID() != "u-bob" || !again.CreatedAt().Equal(t0) {
		t.Fatalf("second login: id %v unionid %q created %v; want %v, u-bob, %v", again.ID(), again.UnionID(), again.CreatedAt(), first.ID(), t0)
	}
	key, err := store.SessionKey(ctx, first.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key.Bytes(), second.SessionKey.Bytes()) {
		t.Fatal("session key was not replaced by the newest login's")
	}
	other, err := store.SaveLogin(ctx, identity(t, "o-carol", ""), newSession(t0))
	if err != nil {
		t.Fatal(err)
	}
	if other.ID() == first.ID() || other.UnionID() != "" {
		t.Fatalf("carol: %v %q", other.ID(), other.UnionID())
	}
}

func TestConcurrentFirstLoginsMakeOneUser(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make(chan uuid.UUID, 10)
	for range 10 {
		wg.Go(func() {
			u, err := store.SaveLogin(ctx, identity(t, "o-rush", ""), newSession(t0))
			if err != nil {
				t.Error(err)
				return
			}
			ids <- u.ID()
		})
	}
	wg.Wait()
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("two users for one openid: %v, %v", first, id)
		}
	}
	var users, sessions int
	if err := pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM sessions)").Scan(&users, &sessions); err != nil {
		t.Fatal(err)
	}
	if users != 1 || sessions != 10 {
		t.Fatalf("users %d sessions %d, want 1 and 10", users, sessions)
	}
}

func TestFindAndRevokeSession(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	ns := newSession(t0)
	user, err := store.SaveLogin(ctx, identity(t, "o-dan", "u-dan"), ns)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.FindSession(ctx, ns.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if s.User().ID() != user.ID() || s.User().OpenID() != "o-dan" || s.User().UnionID() != "u-dan" ||
		!s.ExpiresAt().Equal(ns.ExpiresAt) || s.ExpiresAt().Location() != time.UTC {
		t.Fatalf("found %+v for user %v", s, user.ID())
	}
	if err := s.Usable(t0); err != nil {
		t.Fatalf("fresh session unusable: %v", err)
	}

	var stored []byte
	if err := pool.QueryRow(ctx, "SELECT token_digest FROM sessions WHERE id = $1", s.ID()).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, ns.Digest[:]) || len(stored) != sha256.Size {
		t.Fatal("sessions row does not hold exactly the digest")
	}

	for range 2 { // revoking twice is fine
		if err := store.RevokeSession(ctx, s.ID(), t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	s, err = store.FindSession(ctx, ns.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Usable(t0.Add(2 * time.Minute)); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("revoked session usable: %v", err)
	}

	if _, err := store.FindSession(ctx, domain.TokenDigest{9}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown digest: %v", err)
	}
	if _, err := store.SessionKey(ctx, uuid.New()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

// A ciphertext moved onto another user's row (or a key swapped in config)
// must not silently decrypt.
func TestSessionKeyRefusesTamperedRows(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	a, _ := store.SaveLogin(ctx, identity(t, "o-a", ""), newSession(t0))
	b, _ := store.SaveLogin(ctx, identity(t, "o-b", ""), newSession(t0))
	if _, err := pool.Exec(ctx, "UPDATE users SET session_key_ciphertext = (SELECT session_key_ciphertext FROM users WHERE id = $1) WHERE id = $2", a.ID(), b.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SessionKey(ctx, b.ID()); err == nil {
		t.Fatal("another user's ciphertext decrypted")
	}
	other, _ := postgres.NewSealer(bytes.Repeat([]byte{1}, 32))
	if _, err := postgres.NewStore(pool, other, scheduler(t)).SessionKey(ctx, a.ID()); err == nil {
		t.Fatal("decrypted with the wrong key")
	}
	if _, err := pool.Exec(ctx, "UPDATE users SET session_key_ciphertext = '\\x01'::bytea WHERE id = $1", a.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SessionKey(ctx, a.ID()); err == nil {
		t.Fatal("truncated ciphertext decrypted")
	}
}

func TestPurgeExpiredSessionsKeepsLiveOnes(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	old, live := newSession(t0.Add(-2*time.Hour)), newSession(t0)
	for _, ns := range []domain.NewSession{old, live} {
		if _, err := store.SaveLogin(ctx, identity(t, "o-purge", ""), ns); err != nil {
			t.Fatal(err)
		}
	}
	n, err := store.PurgeExpiredSessions(ctx, t0)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	if _, err := store.FindSession(ctx, old.Digest); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("expired session still there: %v", err)
	}
	if _, err := store.FindSession(ctx, live.Digest); err != nil {
		t.Fatalf("live session purged: %v", err)
	}
}
