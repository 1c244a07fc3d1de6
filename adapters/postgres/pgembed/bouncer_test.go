package pgembed

import "testing"

func TestBouncerSettingsGoAtTheEndOfItsSection(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		{"[databases]\na = host=x\n\n[pgbouncer]\npool_mode = transaction\n", "[databases]\na = host=x\n\n[pgbouncer]\npool_mode = transaction\nk = v\n"},
		{"[pgbouncer]\npool_mode = session\n\n[users]\nu = pool_mode=session\n", "[pgbouncer]\npool_mode = session\n\nk = v\n[users]\nu = pool_mode=session\n"},
		{"[databases]\n", "[databases]\n\n[pgbouncer]\nk = v\n"},
	} {
		if got := withSettings(c.conf, []string{"k = v"}); got != c.want {
			t.Errorf("withSettings(%q) = %q, want %q", c.conf, got, c.want)
		}
	}
}
