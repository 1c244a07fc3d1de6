// Package wxshared holds, once, what every part of the emulated WeChat
// shares: the faults a test queues and the queue each endpoint takes them
// from (faults.go, faultqueue.go); WeChat Pay's keys and the signatures
// made and checked with them, in the current sign mode (keys.go,
// keysfile.go, sign.go); ids and WeChat's time zone (ids.go); JSON answers
// and the control API's error (httpjson.go); and the background work that
// Close ends (background.go). It plays no part of WeChat itself.
package wxshared
