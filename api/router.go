package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/wxmp/wxmp/api/console"
	"github.com/wxmp/wxmp/domain"
)

// MaxBodyBytes bounds every request body; nothing in the contract comes close.
const MaxBodyBytes = 64 << 10

// NewHandler assembles the HTTP handler: the generated routes behind the
// spec-driven validator, plus problem+json for everything that goes wrong
// before or around a handler.
// Observer counts requests by route (adapters/metrics).
type Observer interface {
	ObserveRequest(route, method string, status int, d time.Duration)
}

// AccessLog says which requests get an access log line: "all", "errors"
// (4xx and 5xx: the default) or "off". Metrics count every request either way.
type AccessLog string

const (
	AccessLogAll    AccessLog = "all"
	AccessLogErrors AccessLog = "errors"
	AccessLogOff    AccessLog = "off"
)

func NewHandler(s *Server, auth *domain.Authenticate, operators OperatorVerifier, notify *NotifyHandler, refundNotify *RefundNotifyHandler,
	push *PushHandler, obs Observer, access AccessLog, log *slog.Logger,
) (http.Handler, error) {
	errs := errorResponder{log: log}
	validate, err := validator(auth, operators, errs)
	if err != nil {
		return nil, fmt.Errorf("api: load embedded spec: %w", err)
	}

	r := chi.NewRouter()
	r.Use(requestID, observe(obs, access, log), recoverer(log), limitBody)
	notFound := func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, newProblem(http.StatusNotFound, ProblemCodeNotFound, "No such endpoint."), 0)
	}
	methodNotAllowed := func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, newProblem(http.StatusMethodNotAllowed, ProblemCodeMethodNotAllowed, "This method is not allowed on this path."), 0)
	}
	r.NotFound(notFound)
	r.MethodNotAllowed(methodNotAllowed)

	strict := NewStrictHandlerWithOptions(s, nil, StrictHTTPServerOptions{
		// The validator has already checked the body, so a decode failure
		// here is rare; never echo the decoder's message.
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, _ error) {
			writeProblem(w, r, newProblem(http.StatusBadRequest, ProblemCodeInvalidRequest, "The request body is not valid JSON for this operation."), 0)
		},
		ResponseErrorHandlerFunc: errs.respond,
	})
	// The operator console: static pages that call /admin/v1 with the
	// operator's key from the browser (api/console).
	r.Handle(console.Prefix+"*", console.OperatorWith(func(w http.ResponseWriter, r *http.Request, status int) {
		if status == http.StatusMethodNotAllowed {
			methodNotAllowed(w, r)
			return
		}
		notFound(w, r)
	}))
	r.Handle("/console", http.RedirectHandler(console.Prefix, http.StatusMovedPermanently))
	r.Method(http.MethodPost, "/v1/wechatpay/notify", notify)
	r.Method(http.MethodPost, "/v1/wechatpay/refund-notify", refundNotify)
	r.Handle("/v1/wechat/push", push)
	r.Group(func(r chi.Router) {
		r.Use(withSessionSlot, validate, refuseNUL)
		HandlerWithOptions(strict, ChiServerOptions{
			BaseRouter: r,
			ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, _ error) {
				writeProblem(w, r, newProblem(http.StatusBadRequest, ProblemCodeInvalidRequest, "A parameter does not match the API contract."), 0)
			},
		})
	})
	return r, nil
}

// MaxUploadBytes bounds the one route that takes a file (the avatar): the
// picture's limit and room for the multipart framing.
const MaxUploadBytes = domain.MaxImageBytes + 16<<10

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(MaxBodyBytes)
		if r.URL.Path == avatarPath {
			limit = MaxUploadBytes
		}
		if r.URL.Path == avatarPath && r.ContentLength > limit {
			// Refused before a byte is read (the multipart decoder would
			// otherwise report the limit as a failure of its own).
			writeProblem(w, r, newProblem(http.StatusRequestEntityTooLarge, ProblemCodePayloadTooLarge, "The request body is too large."), 0)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

type requestIDKey struct{}

// A client-supplied id is kept only if it is short and plain, so that it
// can be logged safely; otherwise we make one.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID.MatchString(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// StatusClientClosed is what a request whose client hung up is counted
// and logged as (nginx's 499): not a server error.
const StatusClientClosed = 499

// observe counts every request by its route pattern (never the raw path,
// which would make a label per order id) and writes the access log line
// the AccessLog setting asks for. It logs the path, never headers or
// bodies: those carry tokens and codes.
func observe(obs Observer, access AccessLog, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			d := time.Since(start)
			status := ww.Status()
			if r.Context().Err() != nil && status >= 500 {
				status = StatusClientClosed // the client went away first
			}
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil {
				if p := rc.RoutePattern(); p != "" { // built anew on each call
					route = p
				}
			}
			obs.ObserveRequest(route, r.Method, status, d)
			if access == AccessLogOff || (access != AccessLogAll && status < 400) {
				return
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "http",
				slog.String("request_id", RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("duration", d),
			)
		})
	}
}

// recoverer turns a panic into a logged 500 problem instead of a dropped
// connection, and keeps the server alive.
func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.ErrorContext(r.Context(), "panic serving request",
						"request_id", RequestID(r.Context()), "path", r.URL.Path,
						"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
					writeProblem(w, r, newProblem(http.StatusInternalServerError, ProblemCodeInternal, "Something went wrong on our side; it has been logged."), 0)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
