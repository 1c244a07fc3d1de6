package jobs

import (
	"testing"
	"time"
)

func TestTheBillRunsDailyAtItsBeijingHour(t *testing.T) {
	at := DailyAt(10*time.Hour + 30*time.Minute)
	for _, c := range []struct{ now, want string }{
		{"2026-12-05T01:00:00Z", "2026-12-05T02:30:00Z"}, // 09:00 Beijing: today at 10:30
		{"2026-12-05T02:30:00Z", "2026-12-06T02:30:00Z"}, // exactly then: the next day
		{"2026-12-05T17:00:00Z", "2026-12-06T02:30:00Z"}, // 01:00 on the 6th in Beijing
		{"2026-12-31T23:00:00Z", "2027-01-01T02:30:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		if got := at.Next(now).UTC().Format(time.RFC3339); got != c.want {
			t.Errorf("after %s: %s, want %s", c.now, got, c.want)
		}
	}
}
