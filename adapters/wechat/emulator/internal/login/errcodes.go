package login

import (
	"net/http"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// writeWeChatError answers the way WeChat does: HTTP 200, an errcode, and an
// errmsg that ends with ", rid: ..." for support tickets.
func (e *Server) writeWeChatError(w http.ResponseWriter, contentType string, code int, msg string) {
	e.api.WriteErr(w, contentType, code, msg)
}

// applyFault plays the next fault for ep, if any, and reports whether the
// handler should go on to do the real work.
func (e *Server) applyFault(w http.ResponseWriter, r *http.Request, ep wxshared.Endpoint, contentType string) bool {
	return e.api.Fault(w, r, ep, contentType)
}
