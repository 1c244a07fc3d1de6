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
	session  domain.Session
	ok       bool
	operator string // the operator key id, on operator routes
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

// operatorFrom returns the operator key id the validator authenticated.
func operatorFrom(ctx context.Context) (string, error) {
	slot, _ := ctx.Value(sessionSlotKey{}).(*sessionSlot)
	if slot == nil || slot.operator == "" {
		return "", domain.ErrUnauthenticated
	}
	return slot.operator, nil
}

// OperatorVerifier says which operator key a bearer credential is
// (adapters/token.OperatorKeys).
type OperatorVerifier interface {
	Verify(key string) (keyID string, ok bool)
}

// authenticator resolves bearer credentials for the request validator: a
// buyer's token on bearerAuth operations, an operator key on operatorKey
// ones. Each scheme accepts only its own kind, so a buyer's token is never
// an operator and an operator key never a buyer.
func authenticator(auth *domain.Authenticate, operators OperatorVerifier) openapi3filter.AuthenticationFunc {
	return func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
		token, ok := bearerToken(in.RequestValidationInput.Request)
		if !ok {
			return domain.ErrUnauthenticated
		}
		switch in.SecuritySchemeName {
		case "bearerAuth":
		case "operatorKey":
			id, ok := operators.Verify(string(token))
			if !ok {
				return domain.ErrUnauthenticated
			}
			if slot, _ := ctx.Value(sessionSlotKey{}).(*sessionSlot); slot != nil {
				slot.operator = id
			}
			return nil
		default:
			return errors.New("unknown security scheme " + in.SecuritySchemeName)
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
