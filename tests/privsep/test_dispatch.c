/*
 * Every process's one dispatch table against the IPC catalogue
 * (HERALD_MESSAGES): each message a process accepts is one the catalogue
 * sends to it, from a process allowed to send it; each message the
 * catalogue sends to it has a row, handled or explicitly refused; and the
 * catalogue's `to' column is enforced when a message is accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "broker.h"
#include "child.h"
#include "monitor_int.h"
#include "msg.h"
#include "net.h"
#include "nitems.h"

static const struct {
	enum herald_proc		 proc;
	const struct child_dispatch	*table;
	unsigned int			 states;	/* all it defines */
} children[] = {
	{ PROC_NET,	net_dispatch,	CS_START | NS_RUNNING },
	{ PROC_BROKER,	broker_dispatch, CS_START | BS_ANY },
};

static const struct {
	unsigned int		 chan;
	enum herald_proc	 proc;
} mon_chans[] = {
	{ MON_CH_NET,		PROC_NET },
	{ MON_CH_KEYOP,		PROC_NET },
	{ MON_CH_BROKER,	PROC_BROKER },
	{ MON_CH_BKEYOP,	PROC_BROKER },
};

static const struct child_dispatch *
child_row(const struct child_dispatch *t, uint32_t type)
{
	for (; t->type != MSG_NONE; t++)
		if (t->type == type)
			return t;
	return NULL;
}

static void
test_child_tables(void **state)
{
	const struct child_dispatch	*d;
	const struct msg_info		*mi;
	size_t				 i;
	uint32_t			 t;
	char				 what[96];

	for (i = 0; i < nitems(children); i++) {
		for (d = children[i].table; d->type != MSG_NONE; d++) {
			snprintf(what, sizeof(what), "%s: %s",
			    proc_name(children[i].proc), msg_name(d->type));
			mi = msg_info(d->type);
			assert_non_null(mi);
			/* Accepted: sent to it, by the monitor. */
			if ((mi->to & (1u << children[i].proc)) == 0 ||
			    (mi->from & P_MON) == 0)
				fail_msg("%s: not sent to it by the monitor",
				    what);
			if (child_row(children[i].table, d->type) != d)
				fail_msg("%s: two rows", what);
			if ((d->states & ~children[i].states) != 0)
				fail_msg("%s: a state it does not have", what);
			if (d->states == 0) {
				if (d->handler != NULL || d->refused == NULL)
					fail_msg("%s: a refusal without a "
					    "reason or with a handler", what);
			} else if (d->handler == NULL &&
			    d->states != CS_START)
				fail_msg("%s: accepted in the event loop "
				    "without a handler", what);
			else if (d->handler != NULL &&
			    (d->states & ~CS_START) == 0)
				fail_msg("%s: a handler the event loop never "
				    "calls", what);
		}
		/* Every message sent to it: a row, handled or refused. */
		for (t = MSG_NONE + 1; t < MSG_MAX_TYPE; t++) {
			mi = msg_info(t);
			if ((mi->to & (1u << children[i].proc)) == 0 ||
			    (mi->from & P_MON) == 0)
				continue;
			if (child_row(children[i].table, t) == NULL)
				fail_msg("%s: %s has no row",
				    proc_name(children[i].proc), msg_name(t));
		}
		/* child_start() reads INIT through the table. */
		d = child_row(children[i].table, MSG_INIT);
		assert_non_null(d);
		assert_true(d->states & CS_START);
	}
}

static enum herald_proc
chan_proc(unsigned int chan)
{
	size_t	 i;

	for (i = 0; i < nitems(mon_chans); i++)
		if (mon_chans[i].chan == chan)
			return mon_chans[i].proc;
	fail_msg("unknown channel 0x%x", chan);
	return PROC_MONITOR;
}

static void
test_monitor_table(void **state)
{
	const struct mon_dispatch	*d, *e;
	const struct msg_info		*mi;
	enum herald_proc		 p;
	unsigned int			 chan, covered;
	size_t				 i;
	uint32_t			 t;

	for (d = mon_dispatch; d->type != MSG_NONE; d++) {
		mi = msg_info(d->type);
		assert_non_null(mi);
		if ((mi->to & P_MON) == 0)
			fail_msg("monitor: %s is not sent to it",
			    msg_name(d->type));
		if (d->chans == 0 || d->states == 0 || d->handler == NULL)
			fail_msg("monitor: %s: a row that serves nothing",
			    msg_name(d->type));
		if ((d->states & ~PS_ANY) != 0)
			fail_msg("monitor: %s: unknown states",
			    msg_name(d->type));
		for (chan = 1; chan != 0 && chan <= d->chans; chan <<= 1) {
			if ((d->chans & chan) == 0)
				continue;
			p = chan_proc(chan);
			if ((mi->from & (1u << p)) == 0)
				fail_msg("monitor: %s accepted from %s, which "
				    "may not send it", msg_name(d->type),
				    proc_name(p));
			for (e = mon_dispatch; e != d; e++)
				if (e->type == d->type && (e->chans & chan))
					fail_msg("monitor: %s: two rows",
					    msg_name(d->type));
		}
	}
	/* Every message a child sends it: a row for that child. */
	for (t = MSG_NONE + 1; t < MSG_MAX_TYPE; t++) {
		mi = msg_info(t);
		if ((mi->to & P_MON) == 0)
			continue;
		for (p = PROC_NET; p < PROC_MAX; p++) {
			if ((mi->from & (1u << p)) == 0)
				continue;
			covered = 0;
			for (d = mon_dispatch; d->type != MSG_NONE; d++)
				for (i = 0; i < nitems(mon_chans); i++)
					if (d->type == t &&
					    (d->chans & mon_chans[i].chan) &&
					    mon_chans[i].proc == p)
						covered = 1;
			if (!covered)
				fail_msg("monitor: %s from %s has no row",
				    msg_name(t), proc_name(p));
		}
	}
}

static void
test_find(void **state)
{
	const char	*why;

	/* The broker's conversation, state by state. */
	assert_null(child_dispatch_find(broker_dispatch, MSG_BROKER_REQ,
	    BS_CONFIG, &why));
	assert_string_equal(why, "not accepted in this state");
	assert_non_null(child_dispatch_find(broker_dispatch, MSG_BROKER_REQ,
	    BS_UP, &why));
	assert_non_null(child_dispatch_find(broker_dispatch, MSG_BROKER_REQ,
	    BS_DOWN, &why));
	assert_null(child_dispatch_find(broker_dispatch, MSG_BROKER_CONFIG,
	    BS_UP, &why));
	assert_null(child_dispatch_find(broker_dispatch, MSG_API_RES,
	    BS_UP, &why));
	assert_string_equal(why, "not in the dispatch table");
	/* net: start-up messages only at start-up; refusals say why. */
	assert_non_null(child_dispatch_find(net_dispatch, MSG_LISTENER,
	    CS_START, &why));
	assert_null(child_dispatch_find(net_dispatch, MSG_LISTENER,
	    NS_RUNNING, &why));
	assert_null(child_dispatch_find(net_dispatch, MSG_SIGN_RES,
	    NS_RUNNING, &why));
	assert_non_null(strstr(why, "key-operation channel"));
	assert_non_null(child_dispatch_find(net_dispatch, MSG_NET_CONFIG,
	    NS_RUNNING, &why));
	/* The monitor: channel, then state. */
	assert_non_null(mon_dispatch_find(MSG_SIGN_REQ, MON_CH_KEYOP,
	    PS_RUNNING, &why));
	assert_null(mon_dispatch_find(MSG_SIGN_REQ, MON_CH_NET, PS_RUNNING,
	    &why));
	assert_null(mon_dispatch_find(MSG_API_REQ, MON_CH_KEYOP, PS_RUNNING,
	    &why));
	assert_null(mon_dispatch_find(MSG_API_REQ, MON_CH_BROKER, PS_RUNNING,
	    &why));
	assert_null(mon_dispatch_find(MSG_API_REQ, MON_CH_NET, PS_STARTING,
	    &why));
	assert_string_equal(why, "starting");
	assert_non_null(mon_dispatch_find(MSG_LOG, MON_CH_BROKER,
	    PS_STOPPING, &why));
	assert_null(mon_dispatch_find(MSG_READY, MON_CH_NET, PS_RUNNING,
	    &why));
}

/* A message the right sender sends to another process is refused. */
static void
test_to_enforced(void **state)
{
	struct ipc_msg	 m;
	uint8_t		 buf[64];
	const char	*why;

	memset(&m, 0, sizeof(m));
	m.fd = -1;
	m.data = buf;
	memset(buf, 0, sizeof(buf));
	m.hdr.type = MSG_BROKER_CONFIG;
	m.hdr.len = 32 + 5;
	assert_int_equal(msg_accept(PROC_BROKER, PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_accept(PROC_NET, PROC_MONITOR, &m, &why), -1);
	assert_string_equal(why, "message not addressed to this process");
	/* BROKER_RECORD goes both ways, but never to net. */
	m.hdr.type = MSG_BROKER_RECORD;
	m.hdr.len = 4;
	assert_int_equal(msg_accept(PROC_MONITOR, PROC_BROKER, &m, &why), 0);
	assert_int_equal(msg_accept(PROC_BROKER, PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_accept(PROC_NET, PROC_MONITOR, &m, &why), -1);
	/* The sender's column still holds. */
	m.hdr.type = MSG_LOG_LEVEL;
	m.hdr.len = 1;
	assert_int_equal(msg_accept(PROC_NET, PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_accept(PROC_NET, PROC_BROKER, &m, &why), -1);
	assert_string_equal(why, "message not allowed from this process");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_tables),
		cmocka_unit_test(test_monitor_table),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_to_enforced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
