/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One lock for everything that writes the lists: `floodgate allow|deny
 * add|del` and the daemon's list sync. Each reads the table and then
 * writes it (the CLI checks what an entry is before removing it; the
 * daemon keeps the CLI's entries), so two writers at once could undo
 * each other. An flock on the pin directory: every writer opens it, and
 * the kernel releases the lock when its holder exits, however it exits.
 */
#ifndef FG_PINLOCK_H
#define FG_PINLOCK_H

/* How long a writer waits for another's one change or sync. */
#define FG_PIN_LOCK_WAIT_MS 10000

/* Takes the lock, waiting up to wait_ms. Returns a descriptor to pass
 * to fg_pin_unlock, or -errno: -ETIMEDOUT when held all that time,
 * -ENOENT when there is no pin directory. */
int fg_pin_lock(const char *pin_dir, unsigned int wait_ms);
void fg_pin_unlock(int fd);

#endif /* FG_PINLOCK_H */
