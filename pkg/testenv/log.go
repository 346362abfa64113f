package testenv

import "log/slog"

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Logger is a logger for tests that prints nothing.
func Logger() *slog.Logger { return discardLogger() }
