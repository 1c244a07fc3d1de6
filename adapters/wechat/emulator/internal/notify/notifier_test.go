package notify_test

import (
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

func TestDefaultRetrySchedule(t *testing.T) {
	s := emulator.DefaultRetrySchedule()
	var total time.Duration
	for _, d := range s {
		total += d
	}
	if len(s) != 15 || s[0] != 15*time.Second || s[14] != 6*time.Hour || total != 24*time.Hour+4*time.Minute {
		t.Fatalf("schedule %v (total %s), want WeChat's 15 waits over 24h4m", s, total)
	}
	s[0] = 0
	if emulator.DefaultRetrySchedule()[0] != 15*time.Second {
		t.Fatal("DefaultRetrySchedule shares its slice")
	}
}
