/* The sliding-window counter (see window.h). */
#include <stdint.h>

#include "log.h"
#include "window.h"

static void
rpc_window_advance(struct rpc_window *w, uint64_t now, uint64_t win)
{
	uint64_t	 n;

	if (w->start == 0 && w->prev == 0 && w->cur == 0)
		w->start = now;
	if (now < w->start)
		return;		/* the clock is monotonic; be safe anyway */
	n = (now - w->start) / win;
	if (n == 0)
		return;
	w->prev = (n == 1) ? w->cur : 0;
	w->cur = 0;
	w->start += n * win;
}

uint32_t
rpc_window_hit(struct rpc_window *w, uint64_t now, uint32_t window_s,
    uint32_t limit)
{
	uint64_t	 win = (uint64_t)window_s * 1000, e, t, room;

	if (win == 0 || limit == 0)
		return 1;
	rpc_window_advance(w, now, win);
	e = now >= w->start ? now - w->start : 0;
	/* est * win = prev * (win - e) + cur * win, with this request. */
	if ((uint64_t)w->prev * (win - e) + ((uint64_t)w->cur + 1) * win <=
	    (uint64_t)limit * win) {
		w->cur++;
		return 0;
	}
	if ((uint64_t)w->cur + 1 <= limit) {
		/* Within this window, once enough of prev has slid out. */
		if (w->prev == 0)	/* only if the products overflowed */
			fatalx("rate window: %u s and a limit of %u overflow",
			    window_s, limit);
		room = ((uint64_t)limit - w->cur - 1) * win / w->prev;
		t = (win - e) - room;
	} else {
		/* In the next window, where cur becomes prev. */
		room = ((uint64_t)limit - 1) * win / w->cur;
		t = (win - e) + (win - room);
	}
	return (uint32_t)((t + 999) / 1000 > 0 ? (t + 999) / 1000 : 1);
}

int
rpc_window_idle(const struct rpc_window *w, uint64_t now, uint32_t window_s)
{
	return now >= w->start + 2 * (uint64_t)window_s * 1000;
}
