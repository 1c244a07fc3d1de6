package domain

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestSessionUsable(t *testing.T) {
	user := RestoreUser(uuid.New(), "o1", "", t0)
	cases := []struct {
		name   string
		s      Session
		at     time.Time
		usable bool
	}{
		{"fresh", RestoreSession(uuid.New(), user, t0.Add(time.Hour), time.Time{}), t0, true},
		{"last instant", RestoreSession(uuid.New(), user, t0.Add(time.Hour), time.Time{}), t0.Add(time.Hour - time.Nanosecond), true},
		{"at expiry", RestoreSession(uuid.New(), user, t0.Add(time.Hour), time.Time{}), t0.Add(time.Hour), false},
		{"revoked", RestoreSession(uuid.New(), user, t0.Add(time.Hour), t0), t0, false},
	}
	for _, c := range cases {
		err := c.s.Usable(c.at)
		if (err == nil) != c.usable || (err != nil && !errors.Is(err, ErrUnauthenticated)) {
			t.Errorf("%s: Usable = %v, want usable %v", c.name, err, c.usable)
		}
	}
}

func TestSessionKeyParsingAndRedaction(t *testing.T) {
	raw := []byte("0123456789abcdef")
	k, err := ParseSessionKey(base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.Bytes(), raw) {
		t.Fatal("Bytes() differs from the parsed key")
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(raw[:15])} {
		if _, err := ParseSessionKey(bad); err == nil {
			t.Errorf("ParseSessionKey(%q) accepted", bad)
		}
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "key", k, "id", WeChatIdentity{OpenID: "o", SessionKey: k})
	printed := fmt.Sprintf("%v %+v %#v %s", k, k, k, k) + logs.String()
	for _, form := range []string{string(raw), base64.StdEncoding.EncodeToString(raw), fmt.Sprint(raw)} {
		if strings.Contains(printed, form) {
			t.Fatalf("session key printed in clear: %s", printed)
		}
	}
	// Callers cannot change the key through the slice they get.
	k.Bytes()[0] = 'X'
	if k.Bytes()[0] != '0' {
		t.Fatal("Bytes() exposes the key's storage")
	}
}

// Stubs for the ports a unit test must not reach for real: WeChat and the
// token source. Storage is never faked here; its behaviour is tested
// against Postgres in adapters/postgres and through the API.
type stubWeChat struct {
	calls int
	id    WeChatIdentity
	err   error
}

func (s *stubWeChat) Code2Session(context.Context, string) (WeChatIdentity, error) {
	s.calls++
	return s.id, s.err
}

type refusingLogins struct{ calls int }

func (r *refusingLogins) SaveLogin(context.Context, WeChatIdentity, NewSession) (User, error) {
	r.calls++
	return User{}, errors.New("storage must not be reached")
}

type stubTokens struct{ err error }

func (s stubTokens) Issue() (Token, TokenDigest, error) { return "t", TokenDigest{1}, s.err }
func (s stubTokens) Digest(Token) (TokenDigest, error)  { return TokenDigest{}, ErrUnauthenticated }

func TestLoginRejectsBadCodesWithoutCallingWeChat(t *testing.T) {
	for _, code := range []string{"", strings.Repeat("a", 129)} {
		w := &stubWeChat{}
		_, err := NewLogin(w, stubTokens{}, &refusingLogins{}, func() time.Time { return t0 }, SessionPolicy{}).Execute(context.Background(), code)
		if !errors.Is(err, ErrInvalidCode) || w.calls != 0 {
			t.Errorf("code of %d chars: err %v, WeChat calls %d", len(code), err, w.calls)
		}
	}
}

func TestLoginStoresNothingWhenWeChatOrTokensFail(t *testing.T) {
	key, _ := SessionKeyFromBytes(make([]byte, 16))
	good := WeChatIdentity{OpenID: "o", SessionKey: key}
	cases := []struct {
		name   string
		wechat *stubWeChat
		tokens stubTokens
		want   error
	}{
		{"refused by WeChat", &stubWeChat{err: fmt.Errorf("x: %w", ErrUserBlocked)}, stubTokens{}, ErrUserBlocked},
		{"no openid", &stubWeChat{id: WeChatIdentity{SessionKey: key}}, stubTokens{}, ErrWeChatUnavailable},
		{"no session key", &stubWeChat{id: WeChatIdentity{OpenID: "o"}}, stubTokens{}, ErrWeChatUnavailable},
		// Garbage from WeChat never reaches the database (U+0000 was a 500 there).
		{"U+0000 in the openid", &stubWeChat{id: WeChatIdentity{OpenID: "o\x00x", SessionKey: key}}, stubTokens{}, ErrWeChatUnavailable},
		{"a space in the openid", &stubWeChat{id: WeChatIdentity{OpenID: "o x", SessionKey: key}}, stubTokens{}, ErrWeChatUnavailable},
		{"a control in the unionid", &stubWeChat{id: WeChatIdentity{OpenID: "o", UnionID: "u\n", SessionKey: key}}, stubTokens{}, ErrWeChatUnavailable},
		{"no randomness", &stubWeChat{id: good}, stubTokens{err: errors.New("entropy")}, nil},
	}
	for _, c := range cases {
		store := &refusingLogins{}
		_, err := NewLogin(c.wechat, c.tokens, store, func() time.Time { return t0 }, SessionPolicy{}).Execute(context.Background(), "code")
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) || store.calls != 0 {
			t.Errorf("%s: err %v (want %v), store calls %d", c.name, err, c.want, store.calls)
		}
	}
}

type recordingLogins struct{ got NewSession }

func (r *recordingLogins) SaveLogin(_ context.Context, id WeChatIdentity, s NewSession) (User, error) {
	r.got = s
	return RestoreUser(uuid.New(), id.OpenID, id.UnionID, s.CreatedAt), nil
}

func TestLoginSessionLastsThePolicyTTL(t *testing.T) {
	key, _ := SessionKeyFromBytes(make([]byte, 16))
	for ttl, want := range map[time.Duration]time.Duration{0: DefaultSessionTTL, time.Hour: time.Hour} {
		store := &recordingLogins{}
		now := t0.In(time.FixedZone("CST", 8*3600))
		res, err := NewLogin(&stubWeChat{id: WeChatIdentity{OpenID: "o", SessionKey: key}}, stubTokens{}, store,
			func() time.Time { return now }, SessionPolicy{TTL: ttl}).Execute(context.Background(), "code")
		if err != nil {
			t.Fatal(err)
		}
		if !res.ExpiresAt.Equal(t0.Add(want)) || res.ExpiresAt.Location() != time.UTC || store.got.CreatedAt.Location() != time.UTC {
			t.Errorf("ttl %v: expires %v (created %v), want %v in UTC", ttl, res.ExpiresAt, store.got.CreatedAt, t0.Add(want))
		}
		if store.got.Digest != (TokenDigest{1}) || res.Token != "t" {
			t.Errorf("stored digest %x / token %q not the issued ones", store.got.Digest, res.Token)
		}
	}
}

type unreachableSessions struct{}

func (unreachableSessions) FindSession(context.Context, TokenDigest) (Session, error) {
	panic("malformed tokens must not cost a lookup")
}
func (unreachableSessions) RevokeSession(context.Context, uuid.UUID, time.Time) error { return nil }

func TestAuthenticateRefusesMalformedTokensWithoutLookup(t *testing.T) {
	_, err := NewAuthenticate(stubTokens{}, unreachableSessions{}, func() time.Time { return t0 }).Execute(context.Background(), "junk")
	if !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
}
