package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/wxmp/wxmp/domain"
)

// Which operations need a token is said once, in openapi.yaml's `security`.
// The request validator evaluates it and calls authenticate for those
// operations; authenticate leaves the resolved session in a slot that
// withSessionSlot put in the request context, where handlers find it.

type sessionSlotKey struct{}

type sessionSlot struct {
	session domain.Session
	ok      bool
}

func withSessionSlot(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), sessionSlotKey{}, &sessionSlot{})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sessionFrom returns the session the validator authenticated. It is only
// called by handlers of secured operations, so a missing session means the
// spec and the handler disagree: refuse rather than serve anonymously.
func sessionFrom(ctx context.Context) (domain.Session, error) {
	slot, _ := ctx.Value(sessionSlotKey{}).(*sessionSlot)
	if slot == nil || !slot.ok {
		return domain.Session{}, domain.ErrUnauthenticated
	}
	return slot.session, nil
}

// authenticator resolves bearer tokens for the request validator.
func authenticator(auth *domain.Authenticate) openapi3filter.AuthenticationFunc {
	return func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
		if in.SecuritySchemeName != "bearerAuth" {
			return errors.New("unknown security scheme " + in.SecuritySchemeName)
		}
		token, ok := bearerToken(in.RequestValidationInput.Request)
		if !ok {
			return domain.ErrUnauthenticated
		}
		s, err := auth.Execute(ctx, token)
		if err != nil {
			return err
		}
		if slot, _ := ctx.Value(sessionSlotKey{}).(*sessionSlot); slot != nil {
			slot.session, slot.ok = s, true
		}
		return nil
	}
}

func bearerToken(r *http.Request) (domain.Token, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return domain.Token(token), token != ""
}
