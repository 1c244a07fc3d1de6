// Package console serves the two web consoles, built by Vite from this
// directory's TypeScript (see console.mk) and embedded in the binary:
// Operator, mounted by the service at /console/ (api/router.go), and
// Emulator, mounted by the WeChat emulator at /console/ in emulator mode
// (Config.Console). They are static pages that call the APIs from the
// browser: the operator API keeps its bearer keys, so the console needs no
// cookie, session or server state of its own.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed dist
var dist embed.FS

// Prefix is where both consoles are mounted.
const Prefix = "/console/"

// contentSecurityPolicy lets the pages load only their own files and call
// only their own origin's API: no inline script or style, no frames, no
// other site. The build emits no inline script, which console_test.go
// checks.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Operator serves the operator console (dist/operator) for requests under
// Prefix.
func Operator() http.Handler { return mustApp("operator") }

// OperatorWith is Operator answering a missing file (404) and a method
// other than GET or HEAD (405, with Allow) through fail, so that the
// console's errors look like those of the server it sits in.
func OperatorWith(fail func(w http.ResponseWriter, r *http.Request, status int)) http.Handler {
	a := *mustApp("operator")
	a.fail = fail
	return &a
}

// Emulator serves the emulator console (dist/emulator) for requests under
// Prefix.
func Emulator() http.Handler { return mustApp("emulator") }

type file struct {
	body        []byte
	etag        string
	contentType string
}

// app is one built console: its files by path below Prefix, read once.
type app struct {
	files map[string]file
	index file
	fail  func(w http.ResponseWriter, r *http.Request, status int) // nil: plain-text errors
}

func (a *app) error(w http.ResponseWriter, r *http.Request, status int) {
	if a.fail != nil {
		a.fail(w, r, status)
		return
	}
	http.Error(w, http.StatusText(status), status)
}

func mustApp(name string) *app {
	a, err := load(dist, "dist/"+name)
	if err != nil {
		// The files are embedded at build time: only a broken build gets here.
		panic(fmt.Sprintf("console: %v", err))
	}
	return a
}

func load(fsys fs.FS, root string) (*app, error) {
	sub, err := fs.Sub(fsys, root)
	if err != nil {
		return nil, err
	}
	a := &app{files: make(map[string]file)}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.files[p] = file{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, err
	}
	index, ok := a.files["index.html"]
	if !ok {
		return nil, fmt.Errorf("%s/index.html is missing: run make console-generate", root)
	}
	a.index = index
	return a, nil
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		a.error(w, r, http.StatusMethodNotAllowed)
		return
	}
	rel := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))
	rel = strings.TrimPrefix(path.Clean("/"+rel), "/")
	f, ok := a.files[rel]
	switch {
	case ok && strings.HasPrefix(rel, "assets/"):
		// Vite names assets by their content: a new build is a new name.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	case ok && rel != "index.html":
		h.Set("Cache-Control", "no-cache")
	case rel != "" && strings.Contains(path.Base(rel), "."):
		// A file that does not exist (an old asset, a typo): not the page,
		// which would be taken for the missing script or style.
		a.error(w, r, http.StatusNotFound)
		return
	default:
		// "", "orders/…", "attention": the app's own routes get its page,
		// revalidated every time so that a deploy shows at once.
		f = a.index
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
