// Package emutest is the test harness of the emulator's packages: an
// emulator behind a real HTTP server with a settable clock (Start, for the
// login side), the same with WeChat Pay and the merchant played with WeChat
// Pay's official Go SDK, which refuses what does not verify (StartPay), and
// a merchant's notify endpoint that verifies and decrypts what arrives
// (PayFixture.Receiver). Only tests import it.
package emutest
