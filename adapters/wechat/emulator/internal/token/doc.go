// Package token plays WeChat's access_token (§11 of
// docs/wechat-protocol-2.md): POST /cgi-bin/stable_token and the classic
// GET /cgi-bin/token, two families of tokens that never touch each other,
// and Validate, which every API taking ?access_token= asks before it does
// anything (41001 missing, 40001 invalid or not latest, 42001 expired).
//
// The stable token (stable.go) is one per mini-program: a call in normal
// mode returns the token there is with what is left of its life; a call in
// its last five minutes rotates it (a new token, expires_in 7200) while
// the old one stays valid until its own expiry; force_refresh kills every
// stable token at once and issues a new one, at most 20 times a Beijing
// day (then 45009), and a force within 30 s of the last force refreshes
// nothing. The classic token (classic.go) is new at every call, the
// previous one valid five more minutes. Calls are counted (normal, force,
// classic) so that a test can prove how often a client fetched; the
// control API reads the counts and the current token, and kills the
// stable token as a force refresh elsewhere would (Invalidate).
//
// Tokens are remembered until a day past their expiry, so that an expired
// one answers 42001 rather than 40001; they survive a restart (State).
package token
