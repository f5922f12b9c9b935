#ifndef HERALD_BROKER_H
#define HERALD_BROKER_H

/* The broker process: entered after re-exec with -P broker. */
void	broker_main(void) __attribute__((noreturn));

#endif
