// Package login plays WeChat's mini-program server APIs for login:
// /sns/jscode2session (a wx.login code for a session_key and openid) and
// /wxa/checksession (is this session_key current?, behind the
// access_token that package token validates), with WeChat's errcodes and
// the faults that mimic them (login.go, errcodes.go), and the test users
// whose codes wx.login would hand out (users.go).
package login
