package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/wxmp/wxmp/domain"
)

// MaxPushBytes bounds a push from WeChat; real ones are well under 4 KiB.
const MaxPushBytes = 64 << 10

// PushOpener checks WeChat's pushes (adapters/wechat.Push): the URL check
// (GET with echostr) and safe-mode events.
type PushOpener interface {
	VerifyURL(q url.Values) (string, error)
	Open(q url.Values, body []byte) (domain.PlatformEvent, error)
}

// PushHandler is the message push URL (消息推送, README: "From paid to
// delivered"): a plain handler, like the notify_url, because its
// signatures cover the exact query and bytes WeChat sent. Events are hints
// that go to the use case that asks WeChat; "success" tells WeChat the
// push was handled, and a forged or unreadable one is refused with 401 and
// changes nothing.
type PushHandler struct {
	opener  PushOpener
	receipt *domain.ConfirmReceipt
	log     *slog.Logger
}

// NewPushHandler: a nil opener (no push configured) answers 404.
func NewPushHandler(opener PushOpener, receipt *domain.ConfirmReceipt, log *slog.Logger) *PushHandler {
	return &PushHandler{opener: opener, receipt: receipt, log: log.With("component", "wechat.push")}
}

func (h *PushHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h == nil || h.opener == nil {
		writeProblem(w, r, newProblem(http.StatusNotFound, ProblemCodeNotFound, "Message push is not configured."), 0)
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	switch r.Method {
	case http.MethodGet:
		echo, err := h.opener.VerifyURL(q)
		if err != nil {
			h.refuse(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, echo)
	case http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPushBytes))
		if err != nil {
			h.refuse(w, r, err)
			return
		}
		ev, err := h.opener.Open(q, body)
		if err != nil {
			h.refuse(w, r, err)
			return
		}
		if err := h.receipt.FromPush(ctx, ev); err != nil {
			// WeChat retries a push it did not see handled; the event is a
			// hint, and the next push or the buyer's return asks again.
			h.log.WarnContext(ctx, "push not handled; WeChat will retry", "event", ev.Event, "err", err)
			writeProblem(w, r, newProblem(http.StatusServiceUnavailable, ProblemCodeWechatUnavailable, "WeChat did not answer about the order; retry."), 5)
			return
		}
		h.log.InfoContext(ctx, "push", "event", ev.Event, "out_trade_no", ev.OutTradeNo)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "success")
	default:
		writeProblem(w, r, newProblem(http.StatusMethodNotAllowed, ProblemCodeMethodNotAllowed, "This method is not allowed on this path."), 0)
	}
}

func (h *PushHandler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	h.log.WarnContext(r.Context(), "push refused", "err", err)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(w, r, newProblem(http.StatusRequestEntityTooLarge, ProblemCodePayloadTooLarge, "The push is larger than any of WeChat's."), 0)
		return
	}
	writeProblem(w, r, newProblem(http.StatusUnauthorized, ProblemCodeUnauthorized, "The push is not WeChat's (signature, time or appid)."), 0)
}
