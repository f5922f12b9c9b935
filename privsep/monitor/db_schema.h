/*
 * The schema's migrations (db_schema.c), for db.c alone.
 */
#ifndef HERALD_DB_SCHEMA_H
#define HERALD_DB_SCHEMA_H

#include <stddef.h>

/* Entry i takes the schema from version i to i + 1.  Append only. */
extern const char *const	db_migrations[];
extern const size_t		db_nmigrations;

#endif
