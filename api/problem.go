package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/wxmp/wxmp/domain"
)

// problemFor is the one place that turns a domain error into an HTTP
// problem. Anything it does not recognise is a 500 whose detail says nothing
// about internals; the error itself goes to the log only.
func problemFor(err error) (p Problem, retryAfter int) {
	var invalid *domain.InvalidError
	switch {
	case errors.Is(err, domain.ErrInvalidCode):
		return newProblem(http.StatusUnauthorized, ProblemCodeInvalidCode, "The login code is invalid, used or expired; call wx.login again."), 0
	case errors.Is(err, domain.ErrUnauthenticated):
		return newProblem(http.StatusUnauthorized, ProblemCodeUnauthorized, "A valid bearer token is required; log in again."), 0
	case errors.Is(err, domain.ErrUserBlocked):
		return newProblem(http.StatusForbidden, ProblemCodeUserBlocked, "WeChat does not allow this user to log in."), 0
	case errors.Is(err, domain.ErrRateLimited):
		return newProblem(http.StatusTooManyRequests, ProblemCodeRateLimited, "Too many login attempts; try again in a minute."), 60
	case errors.Is(err, domain.ErrWeChatUnavailable):
		return newProblem(http.StatusServiceUnavailable, ProblemCodeWechatUnavailable, "WeChat did not answer; try again shortly."), 5
	case errors.Is(err, domain.ErrNotFound):
		return newProblem(http.StatusNotFound, ProblemCodeNotFound, "No such resource."), 0
	case errors.Is(err, domain.ErrOutOfStock):
		return newProblem(http.StatusConflict, ProblemCodeOutOfStock, "A product does not have enough stock for this order."), 0
	case errors.Is(err, domain.ErrProductUnavailable):
		return newProblem(http.StatusUnprocessableEntity, ProblemCodeProductUnavailable, "A product in the order is not for sale."), 0
	case errors.Is(err, domain.ErrIdempotencyConflict):
		return newProblem(http.StatusConflict, ProblemCodeIdempotencyConflict, "This Idempotency-Key was used for a different request."), 0
	case errors.Is(err, domain.ErrOrderNotPayable):
		return newProblem(http.StatusConflict, ProblemCodeOrderNotPayable, "The order is paid, being closed, cancelled or expired."), 0
	case errors.Is(err, domain.ErrOrderNotCancellable):
		return newProblem(http.StatusConflict, ProblemCodeOrderNotCancellable, "The order is paid and cannot be cancelled."), 0
	case errors.As(err, &invalid):
		return newProblem(http.StatusBadRequest, ProblemCodeInvalidRequest, invalid.Reason+"."), 0
	case errors.Is(err, domain.ErrNotRefundable):
		return newProblem(http.StatusConflict, ProblemCodeNotRefundable, "The order is not paid, or it is refunded already."), 0
	case errors.Is(err, domain.ErrRefundTooLarge):
		return newProblem(http.StatusConflict, ProblemCodeRefundTooLarge, "The refund is more than what is left of the payment."), 0
	case errors.Is(err, domain.ErrNotShippable):
		return newProblem(http.StatusConflict, ProblemCodeNotShippable, "The order cannot be shipped now: it is not paid, it was shipped again already (WeChat allows one re-ship), or the buyer confirmed receipt."), 0
	case errors.Is(err, domain.ErrAddressRequired):
		return newProblem(http.StatusBadRequest, ProblemCodeAddressRequired, "The order has goods that are sent: it needs the buyer's address."), 0
	case errors.Is(err, domain.ErrPhoneCodeInvalid):
		return newProblem(http.StatusBadRequest, ProblemCodeInvalidCode, "The phone number code is used, expired or not this mini-program's; tap the button again."), 0
	case errors.Is(err, domain.ErrImageTooLarge):
		return newProblem(http.StatusRequestEntityTooLarge, ProblemCodePayloadTooLarge, "The picture is larger than 2 MiB."), 0
	case errors.Is(err, domain.ErrNotAnImage):
		return newProblem(http.StatusUnsupportedMediaType, ProblemCodeUnsupportedMediaType, "The file is not a picture we read (JPEG, PNG, GIF or WebP), or it is cut short."), 0
	case errors.Is(err, domain.ErrRequestNotOpen):
		return newProblem(http.StatusConflict, ProblemCodeRequestNotOpen, "The order has an open refund request already, or this request is decided or withdrawn."), 0
	case errors.Is(err, domain.ErrTokenForceLimited):
		return newProblem(http.StatusConflict, ProblemCodeTokenForceLimited, "WeChat allows 20 forced refreshes a day, 30 s apart."), 0
	case errors.Is(err, domain.ErrSKUTaken):
		return newProblem(http.StatusConflict, ProblemCodeSkuTaken, "Another product has this SKU."), 0
	case errors.Is(err, domain.ErrPaymentRejected):
		return withOrder(err, newProblem(http.StatusBadGateway, ProblemCodeWechatpayRejected, "WeChat Pay refused the payment request.")), 0
	case errors.Is(err, domain.ErrPaymentUnavailable):
		return withOrder(err, newProblem(http.StatusServiceUnavailable, ProblemCodeWechatpayUnavailable, "WeChat Pay did not answer; retry the payment shortly.")), 5
	default:
		return newProblem(http.StatusInternalServerError, ProblemCodeInternal, "Something went wrong on our side; it has been logged."), 0
	}
}

// withOrder names the order a failed prepay left behind, so the client can
// retry with POST /v1/orders/{id}/pay.
func withOrder(err error, p Problem) Problem {
	var pe *domain.PrepayError
	if errors.As(err, &pe) {
		id := pe.OrderID
		p.OrderId = &id
	}
	return p
}

func newProblem(status int, code ProblemCode, detail string) Problem {
	return Problem{
		Type:   "urn:wxmp:problem:" + string(code),
		Title:  http.StatusText(status),
		Status: status,
		Code:   code,
		Detail: &detail,
	}
}

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem, retryAfter int) {
	if p.Instance == nil && r != nil {
		path := r.URL.Path
		p.Instance = &path
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if p.Code == ProblemCodeUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="wxmp"`)
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// errorResponder maps errors returned by handlers (and by the auth step)
// to problems, logging the ones that are our fault.
type errorResponder struct {
	log *slog.Logger
}

func (e errorResponder) respond(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		// The client hung up (or the server is going away): nobody reads
		// an answer, and it is not our failure.
		e.log.DebugContext(r.Context(), "client went away", "path", r.URL.Path)
		w.WriteHeader(StatusClientClosed)
		return
	}
	p, retryAfter := problemFor(err)
	switch {
	case p.Status >= 500:
		e.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "code", p.Code, "err", err)
	case p.Status == http.StatusTooManyRequests || p.Code == ProblemCodeUserBlocked:
		e.log.WarnContext(r.Context(), "request refused", "path", r.URL.Path, "code", p.Code, "err", err)
	}
	writeProblem(w, r, p, retryAfter)
}
