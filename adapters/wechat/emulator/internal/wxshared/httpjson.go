package wxshared

import (
	"encoding/json"
	"net/http"
)

// Content types. WeChat answers jscode2session with text/plain although the
// body is JSON; clients must not depend on the header, and the emulator
// keeps the quirk so that a client that does is caught here.
const (
	ContentTypePlain = "text/plain"
	ContentTypeJSON  = "application/json; charset=utf-8"
)

// WriteJSON encodes v with the given status and content type. Encoding the
// emulator's own structs cannot fail, so errors (a client gone away) are
// deliberately ignored.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type controlError struct {
	Error string `json:"error"`
}

func WriteControlError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, ContentTypeJSON, controlError{Error: msg})
}
