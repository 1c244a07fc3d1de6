// Package login plays WeChat's mini-program server APIs for login:
// /sns/jscode2session (a wx.login code for a session_key and openid),
// /cgi-bin/stable_token (the access_token) and /wxa/checksession (is this
// session_key current?), with WeChat's errcodes and the faults that mimic
// them (login.go, errcodes.go), and the test users whose codes wx.login
// would hand out (users.go). The access_token lives here while
// checksession is the only API that checks it.
package login
