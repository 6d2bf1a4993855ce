/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A full-screen view on a terminal with plain ANSI (ECMA-48) sequences,
 * as every terminal in use understands them (xterm, tmux, screen, the
 * Linux console): the alternate screen, the cursor home, erase to the
 * end of the line. No curses: the CLI runs as root on every host, and a
 * view redrawn whole once a second needs nothing of curses' screen
 * diffing. Keys come unbuffered, unechoed; Ctrl-C still signals.
 */
#ifndef FG_TERM_H
#define FG_TERM_H

#include <stdbool.h>
#include <stddef.h>

struct term {
	int in, out;
	bool raw;
	unsigned int rows, cols;
};

/* Takes over the terminal on in/out (both must be ttys): -errno when
 * not possible. Installs SIGWINCH, SIGINT, SIGTERM and SIGHUP handlers
 * that only set flags. */
int term_open(struct term *t, int in, int out);
/* Gives the terminal back as it was. Safe to call twice. */
void term_close(struct term *t);
/* Re-reads the size after a SIGWINCH: true when it changed. */
bool term_resized(struct term *t);
/* Waits up to timeout_ms for a key: the key, 0 on timeout, a resize or
 * a signal that does not stop, -1 when asked to stop (q, Q, SIGINT,
 * SIGTERM, SIGHUP, end of input). */
int term_wait_key(struct term *t, int timeout_ms);
/* Draws lines (each cut to the width) from the top-left corner and
 * clears the rest, in one write. */
void term_draw(struct term *t, const char *const *lines, size_t n);
/* Whether a stop signal arrived (also without a terminal). */
bool term_stop_requested(void);
/* The stop handlers alone, for the plain (non-tty) output. */
void term_catch_stop(void);

#endif /* FG_TERM_H */
