package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestRiversHeartbeatIsLoggedAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		log := slog.New(chatterAtDebug{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level})}).With("component", "river")
		log.InfoContext(context.Background(), "producer: Producer job counts", "queue", "default")
		log.InfoContext(context.Background(), "River client started")
		out := buf.String()
		if !strings.Contains(out, "River client started") {
			t.Errorf("level %s: an ordinary info line was dropped:\n%s", level, out)
		}
		switch heartbeat := strings.Contains(out, "Producer job counts"); {
		case level == slog.LevelInfo && heartbeat:
			t.Errorf("the heartbeat shows at info:\n%s", out)
		case level == slog.LevelDebug && !strings.Contains(out, "level=DEBUG msg=\"producer: Producer job counts\""):
			t.Errorf("the heartbeat is not at debug:\n%s", out)
		}
	}
}
