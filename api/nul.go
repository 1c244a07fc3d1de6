package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// refuseNUL answers 400 to a request whose query or JSON body holds the
// character U+0000 in a string. The contract allows it in every string,
// but PostgreSQL cannot store it in text, so it reached the database and
// came back as a 500 (found by FuzzAdminCreateProductBody). It runs after
// the validator, which has read the body (JSON, within MaxBodyBytes) and
// put it back.
//
// It also refuses a body with anything but white space after its JSON
// value: the validator and the strict decoder read only the first value,
// so `{"note":"x"}?` was answered 200 as if the rest were not there.
func refuseNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			next.ServeHTTP(w, r) // the validator has read it once already; let the handler say
			return
		}
		if trailingAfterJSON(body) {
			p := newProblem(http.StatusBadRequest, ProblemCodeInvalidRequest, "The request body holds more than one JSON value.")
			pointer := "/"
			p.Errors = &[]FieldError{{Pointer: &pointer, Detail: "something follows the JSON value"}}
			writeProblem(w, r, p, 0)
			return
		}
		if pointer, ok := nulIn(r, body); ok {
			p := newProblem(http.StatusBadRequest, ProblemCodeInvalidRequest, "Text may not contain the character U+0000.")
			p.Errors = &[]FieldError{{Pointer: &pointer, Detail: "contains U+0000"}}
			writeProblem(w, r, p, 0)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readBody reads the body (already read and put back by the validator,
// within MaxBodyBytes) once, and puts it back for the handler.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// trailingAfterJSON says whether body holds a JSON value followed by more
// than white space. A valid document (every honest request) costs one
// allocation-free scan.
func trailingAfterJSON(body []byte) bool {
	if len(bytes.TrimSpace(body)) == 0 || json.Valid(body) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return false // not JSON at all: the strict decoder refuses it
	}
	_, err := dec.Token()
	return err != io.EOF
}

// nulIn names where a request holds U+0000: "query:name" or the body's
// JSON pointer.
func nulIn(r *http.Request, body []byte) (string, bool) {
	if strings.Contains(r.URL.RawQuery, "%00") {
		q := r.URL.Query()
		names := make([]string, 0, len(q))
		for name := range q {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if strings.ContainsRune(name, 0) || strings.ContainsRune(strings.Join(q[name], ""), 0) {
				return "query:" + name, true
			}
		}
	}
	if !bytes.Contains(body, []byte(`\u0000`)) { // the only way JSON spells it
		return "", false
	}
	// Read as the strict handlers read it: the first JSON value.
	var v any
	if json.NewDecoder(bytes.NewReader(body)).Decode(&v) != nil {
		return "", false // the strict decoder refuses it
	}
	pointer, ok := nulAt("", v)
	if pointer == "" {
		pointer = "/"
	}
	return pointer, ok
}

func nulAt(pointer string, v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return pointer, strings.ContainsRune(v, 0)
	case []any:
		for i, e := range v {
			if p, ok := nulAt(pointer+"/"+strconv.Itoa(i), e); ok {
				return p, true
			}
		}
	case map[string]any:
		for k, e := range v {
			p := pointer + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
			if strings.ContainsRune(k, 0) {
				return p, true
			}
			if p, ok := nulAt(p, e); ok {
				return p, true
			}
		}
	}
	return "", false
}
