// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The terminal for `floodgate top --watch`. */
#include "term.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define ALT_SCREEN_ON "\033[?1049h\033[?25l" /* and hide the cursor */
#define ALT_SCREEN_OFF "\033[?25h\033[?1049l"
#define HOME "\033[H"
#define ERASE_EOL "\033[K"
#define ERASE_BELOW "\033[J"

static volatile sig_atomic_t stop_flag, resize_flag;
static struct termios saved;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_winch(int sig)
{
	(void)sig;
	resize_flag = 1;
}

/* Without SA_RESTART, so a signal ends the wait in poll(). */
static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void term_catch_stop(void)
{
	handle(SIGINT, on_stop);
	handle(SIGTERM, on_stop);
	handle(SIGHUP, on_stop);
}

bool term_stop_requested(void)
{
	return stop_flag;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the terminal went away: nothing to tell */
		s += n;
		len -= (size_t)n;
	}
}

static void read_size(struct term *t)
{
	struct winsize ws;

	if (!ioctl(t->out, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		t->rows = ws.ws_row;
		t->cols = ws.ws_col;
	} else {
		t->rows = 24;
		t->cols = 80;
	}
}

int term_open(struct term *t, int in, int out)
{
	struct termios raw;

	memset(t, 0, sizeof(*t));
	t->in = in;
	t->out = out;
	if (!isatty(in) || !isatty(out))
		return -ENOTTY;
	if (tcgetattr(in, &saved))
		return -errno;
	raw = saved;
	/* Keys one at a time, not echoed; ISIG stays: Ctrl-C stops. */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(in, TCSAFLUSH, &raw))
		return -errno;
	t->raw = true;
	term_catch_stop();
	handle(SIGWINCH, on_winch);
	read_size(t);
	write_all(out, ALT_SCREEN_ON, strlen(ALT_SCREEN_ON));
	return 0;
}

void term_close(struct term *t)
{
	if (!t->raw)
		return;
	write_all(t->out, ALT_SCREEN_OFF, strlen(ALT_SCREEN_OFF));
	tcsetattr(t->in, TCSAFLUSH, &saved);
	t->raw = false;
}

bool term_resized(struct term *t)
{
	unsigned int rows = t->rows, cols = t->cols;

	if (!resize_flag)
		return false;
	resize_flag = 0;
	read_size(t);
	return rows != t->rows || cols != t->cols;
}

int term_wait_key(struct term *t, int timeout_ms)
{
	struct pollfd p = {.fd = t->in, .events = POLLIN};
	unsigned char key;
	int n;

	if (stop_flag)
		return -1;
	n = poll(&p, 1, timeout_ms);
	if (stop_flag)
		return -1;
	if (n <= 0)
		return 0; /* timeout, or a signal (a resize) */
	if (p.revents & (POLLHUP | POLLERR))
		return -1;
	n = (int)read(t->in, &key, 1);
	if (n == 0)
		return -1;
	if (n < 0)
		return 0;
	if (key == 'q' || key == 'Q')
		return -1;
	return key;
}

/* Appends len bytes of s (not terminated: the buffer goes to write()). */
static size_t put(char *buf, size_t at, const char *s, size_t len)
{
	memcpy(buf + at, s, len);
	return at + len;
}

/* Appends s cut to cols columns. Our lines are ASCII but for addresses
 * and names the operator chose: bytes count as columns. */
static size_t put_line(char *buf, size_t at, size_t cap, const char *s,
		       unsigned int cols)
{
	size_t len = strnlen(s, cols);

	if (at + len + 8 > cap)
		return at;
	at = put(buf, at, s, len);
	return put(buf, at, ERASE_EOL, sizeof(ERASE_EOL) - 1);
}

void term_draw(struct term *t, const char *const *lines, size_t n)
{
	size_t cap = (size_t)(t->rows + 1) * (t->cols + 16) + 64, at;
	char *buf = malloc(cap);

	if (!buf)
		return;
	at = put(buf, 0, HOME, sizeof(HOME) - 1);
	for (size_t i = 0; i < n && i < t->rows; i++) {
		if (i)
			at = put(buf, at, "\r\n", 2);
		at = put_line(buf, at, cap, lines[i], t->cols);
	}
	at = put(buf, at, ERASE_BELOW, sizeof(ERASE_BELOW) - 1);
	write_all(t->out, buf, at);
	free(buf);
}
