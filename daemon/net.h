#ifndef HERALD_NET_H
#define HERALD_NET_H

/* The net process: entered after re-exec with -P net.  Never returns. */
void	net_main(void) __attribute__((noreturn));

#endif
