package wxshared

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

const maxControlBody = 64 << 10

// DecodeControlBody reads one JSON object into v. An empty body leaves v
// as it is; unknown fields are refused so that a typo in a test's fault
// does not silently become a different fault.
func DecodeControlBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON body: more than one value")
	}
	return nil
}

type controlError struct {
	Error string `json:"error"`
}

func WriteControlError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, ContentTypeJSON, controlError{Error: msg})
}
