/*
 * Private to the configuration parser (common/config*.c): the walk's
 * context, the shape of a schema row and what the parts share.
 *
 *   config.c		the two passes over the YAML, the walk of a mapping
 *			against a table, the checks between keys
 *   config_schema.c	the schema: every key with its setter, limits and
 *			default, in one set of tables
 *   config_value.c	scalar values: strings, paths, numbers, enums, ...
 *   config_list.c	list values: listen, mt5.paper.symbols,
 *			trading.allowed_symbols
 *   config_file.c	opening and checking the file and mt5.password_file
 */
#ifndef HERALD_CONFIG_IMPL_H
#define HERALD_CONFIG_IMPL_H

#include <stddef.h>
#include <yaml.h>

#include "config.h"

#define KEYPATH_MAX	160	/* "listen[15].address", an escaped key */
#define ESC_BUF		64	/* escape() output: 40 bytes, one \xNN, "..." */
#define GOT_BUF		(ESC_BUF + 2)	/* the same, quoted */
#define DEFAULT_PORT	8181

#define SYMBOL_WANT	"expected a symbol name of 1 to 31 capital letters, " \
			"digits, '.' and '_'"
#define UPPER		"ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/*
 * Keys a check between keys may have to point at.  The walk notes the
 * line of each one it meets, so the error can say where to look.
 */
enum watch {
	W_LIMITS,
	W_OPEN_FILES,
	W_CONNECTIONS,
	W_RATE_LIMIT,
	W_BAN_TIME,
	W_BAN_MAX,
	W_BACKEND,
	W_CURRENCY,
	W_SYMBOLS,
	W_ALLOWED,
	W_BRIDGE_ADDRESS,
	W_BRIDGE_TLS,
	W_MIN_MARGIN,
	W_COUNT
};


struct parse_ctx {
	const char		*name;		/* file name for messages */
	yaml_document_t		*doc;
	struct herald_conf	*conf;
	struct conf_errors	*errs;
	size_t			 nerr;		/* errors found, uncapped */
	size_t			 password_file_line;
	size_t			 line[W_COUNT];	/* 0: key not given */
	int			 bad[W_COUNT];	/* given, but refused */
	/* Lines of the entries, for checks between keys. */
	size_t			 symbol_line[CONF_MAX_SYMBOLS];
	size_t			 allowed_line[CONF_MAX_SYMBOLS];
};

struct conf_key;
typedef void (*conf_set_fn)(struct parse_ctx *, const struct conf_key *,
    yaml_node_t *, const char *, void *);

struct conf_enum {
	const char	*name;
	int		 value;
};

/* One row of a schema table; offsets are into the struct the table fills. */
struct conf_key {
	const char		*name;
	conf_set_fn		 set;
	size_t			 off;
	size_t			 size;
	long long		 min, max;	/* integers */
	double			 dmin, dmax;	/* numbers with a fraction */
	const struct conf_key	*sub;		/* sections */
	const struct conf_enum	*enums;
	int			 flags;
};
#define KF_REQUIRED	0x1
#define KF_ABOVE_MIN	0x2	/* dmin itself is not allowed */

/* The schema (config_schema.c). */
extern const struct conf_key	top_keys[];
extern const struct conf_key	listen_keys[];
extern const struct conf_key	symbol_keys[];
void	symbol_init(struct conf_symbol *);
int	currencies_from_name(struct conf_symbol *);
void	symbol_margin_defaults(struct conf_symbol *);

/* Errors during the walk and the walk itself (config.c). */
void	err_at(struct parse_ctx *, size_t, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
void	err_node(struct parse_ctx *, const yaml_node_t *, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
size_t	node_line(const yaml_node_t *);
void	walk_mapping(struct parse_ctx *, yaml_node_t *,
	    const struct conf_key *, const char *, void *);
int	parse_buffer(struct herald_conf *, const char *, const char *, size_t,
	    struct conf_errors *);

/* Reading nodes (config_value.c). */
void	escape(char *, size_t, const unsigned char *, size_t);
int	is_null(const yaml_node_t *);
const char *got(const yaml_node_t *, char *, size_t);
int	symbol_node_ok(const yaml_node_t *);

/*
 * The setters a schema row names: config.c (sections), config_value.c
 * (scalars), config_list.c (lists).
 */
void	set_section(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_listen(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_string(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_path(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_path_opt(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_name(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_int(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_bool(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_enum(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_address(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_login(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_password(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_password_file(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_double(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_u64(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_currency(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_symbol_name(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_flag_list(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_time_of_day(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_symbols(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_exempt(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
void	set_allowed(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);

#endif /* HERALD_CONFIG_IMPL_H */
