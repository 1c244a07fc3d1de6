package pgembed

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
)

// serverLog receives the server's stdout and stderr: every line goes to the
// logger, and the last few are kept so a failed start can be explained with
// Postgres's own words (port in use, wrong ownership, lock file...).
type serverLog struct {
	logger *slog.Logger

	mu      sync.Mutex
	partial []byte
	tail    []string
}

const tailLines = 20

func (w *serverLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

func (w *serverLog) line(s string) {
	s = strings.TrimRight(s, "\r")
	if s == "" {
		return
	}
	if len(w.tail) == tailLines {
		w.tail = append(w.tail[:0], w.tail[1:]...)
	}
	w.tail = append(w.tail, s)
	w.logger.Log(context.Background(), levelOf(s), s, "source", "postgres")
}

// lastLines returns the kept tail, oldest first, joined for an error message.
func (w *serverLog) lastLines() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.tail, "\n")
}

// contains reports whether any kept line mentions s.
func (w *serverLog) contains(s string) bool {
	return strings.Contains(w.lastLines(), s)
}

func levelOf(line string) slog.Level {
	switch {
	case strings.Contains(line, "the database system is starting up"),
		strings.Contains(line, "the database system is shutting down"):
		// Our own readiness probe and shutdown cause these; they are not faults.
		return slog.LevelDebug
	case strings.Contains(line, "FATAL:"), strings.Contains(line, "PANIC:"):
		return slog.LevelError
	case strings.Contains(line, "ERROR:"), strings.Contains(line, "DETAIL:"), strings.Contains(line, "HINT:"),
		strings.Contains(line, "CONTEXT:"), strings.Contains(line, "STATEMENT:"):
		// A statement's error reaches the client that sent it, which decides
		// what it means: the service answers a unique violation with a 409
		// and logs what is really wrong itself. Repeated at error level here
		// it was a 7-line scare in the make run terminal for an expected 409.
		return slog.LevelDebug
	case strings.Contains(line, "WARNING:"):
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}
