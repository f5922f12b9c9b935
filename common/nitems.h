/* The number of elements of an array (BSD's nitems()). */
#ifndef HERALD_NITEMS_H
#define HERALD_NITEMS_H

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif
