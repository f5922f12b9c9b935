/*
 * The monitor's database schema: the ordered list of its migrations.
 * db.c runs those a database has not seen yet (see db.h).
 */

#include <stddef.h>

#include "db.h"
#include "db_schema.h"

/*
 * Each entry takes the schema from version i to version i + 1, inside
 * the same transaction as the version bump.  Append only.
 */
const char *const db_migrations[] = {
	/* 1: API keys and bans (issue 3). */
	"CREATE TABLE api_keys ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 63),"
	"  role TEXT NOT NULL CHECK (role IN ('admin', 'trader', 'viewer')),"
	"  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
	"  fingerprint BLOB CHECK (fingerprint IS NULL OR"
	"    length(fingerprint) = 32),"
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER,"
	"  expires INTEGER NOT NULL,"
	"  revoked INTEGER,"
	"  replaced_by INTEGER REFERENCES api_keys(id)"
	");"
	"CREATE INDEX api_keys_name ON api_keys(name);"
	"CREATE TABLE bans ("
	"  address TEXT PRIMARY KEY CHECK (length(address) BETWEEN 1 AND 63),"
	"  until INTEGER NOT NULL,"
	"  strikes INTEGER NOT NULL CHECK (strikes >= 1),"
	"  last INTEGER NOT NULL"
	");",
	/*
	 * 2: the orders journal (issue 4, journal.c).  AUTOINCREMENT: the
	 * id is the command id the backend knows the order by, so it is
	 * never reused, even after old rows are deleted.  IF NOT EXISTS so
	 * that a version number put back by hand re-runs harmlessly.
	 */
	"CREATE TABLE IF NOT EXISTS orders ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  key_id INTEGER NOT NULL,"
	"  client_addr TEXT NOT NULL CHECK (length(client_addr) <= 63),"
	"  client_order_id TEXT NOT NULL CHECK"
	"    (length(client_order_id) BETWEEN 1 AND 69),"
	"  derived INTEGER NOT NULL CHECK (derived IN (0, 1)),"
	"  request BLOB NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done',"
	"    'failed', 'unknown')),"
	"  result BLOB,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  UNIQUE (key_id, client_order_id)"
	");"
	"CREATE INDEX IF NOT EXISTS orders_open ON orders (id)"
	"  WHERE state IN ('pending', 'sent', 'unknown');",
	/*
	 * 3: the broker's account state, which the broker cannot write
	 * itself (issue 4, store.c): one row per record, by type and key;
	 * and the lockdown switch, one row.  The numbers in the CHECKs are
	 * store.h's STORE_KEY_MAX, STORE_BODY_MAX and STORE_WHO_MAX.
	 */
	"CREATE TABLE IF NOT EXISTS broker_state ("
	"  type INTEGER NOT NULL CHECK (typeof(type) = 'integer' AND"
	"    type BETWEEN 0 AND 255),"
	"  key TEXT NOT NULL CHECK (typeof(key) = 'text' AND"
	"    length(key) <= 64),"
	"  time INTEGER NOT NULL CHECK (typeof(time) = 'integer'),"
	"  profit REAL NOT NULL CHECK (typeof(profit) = 'real'),"
	"  body BLOB NOT NULL CHECK (typeof(body) = 'blob' AND"
	"    length(body) <= 65536),"
	"  PRIMARY KEY (type, key)"
	");"
	"CREATE INDEX IF NOT EXISTS broker_state_time ON broker_state"
	"  (type, time);"
	"CREATE TABLE IF NOT EXISTS lockdown ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  active INTEGER NOT NULL CHECK (active IN (0, 1)),"
	"  who TEXT NOT NULL CHECK (typeof(who) = 'text' AND"
	"    length(who) <= 127),"
	"  since INTEGER NOT NULL CHECK (typeof(since) = 'integer')"
	");",
	/*
	 * 4: the orders table again, its CHECKs and the partial index
	 * written with OR instead of IN lists.  SQLite evaluates a
	 * constant IN list through a temporary b-tree, built anew for
	 * every row written: four of them per answered order, an eighth
	 * of the monitor's time under load (bench/orders_vs_sqlite.sh).
	 * The copy keeps every id and the AUTOINCREMENT high-water mark,
	 * so no command id is ever given twice.
	 */
	"CREATE TABLE orders_v4 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  key_id INTEGER NOT NULL,"
	"  client_addr TEXT NOT NULL CHECK (length(client_addr) <= 63),"
	"  client_order_id TEXT NOT NULL CHECK"
	"    (length(client_order_id) BETWEEN 1 AND 69),"
	"  derived INTEGER NOT NULL CHECK (derived = 0 OR derived = 1),"
	"  request BLOB NOT NULL,"
	"  state TEXT NOT NULL CHECK (state = 'pending' OR state = 'sent' OR"
	"    state = 'done' OR state = 'failed' OR state = 'unknown'),"
	"  result BLOB,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  UNIQUE (key_id, client_order_id)"
	");"
	"INSERT INTO orders_v4 SELECT id, key_id, client_addr, client_order_id,"
	"  derived, request, state, result, created, updated FROM orders;"
	"DELETE FROM sqlite_sequence WHERE name = 'orders_v4';"
	"INSERT INTO sqlite_sequence (name, seq)"
	"  SELECT 'orders_v4', seq FROM sqlite_sequence WHERE name = 'orders';"
	"DROP TABLE orders;"
	"ALTER TABLE orders_v4 RENAME TO orders;"
	"CREATE INDEX orders_open ON orders (id)"
	"  WHERE " DB_ORDER_OPEN ";",
	/*
	 * 5: the events of GET /v1/events (events.c), kept so that a
	 * client resumes with Last-Event-ID, also across a restart.
	 * AUTOINCREMENT: an id is never given twice, also after pruning.
	 * key_id 0: every reader; else the key whose order it answers.
	 */
	"CREATE TABLE IF NOT EXISTS events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time INTEGER NOT NULL CHECK (typeof(time) = 'integer'),"
	"  key_id INTEGER NOT NULL CHECK (typeof(key_id) = 'integer' AND"
	"    key_id >= 0),"
	"  name TEXT NOT NULL CHECK (typeof(name) = 'text' AND"
	"    length(name) BETWEEN 1 AND 24),"
	"  data TEXT NOT NULL CHECK (typeof(data) = 'text' AND"
	"    length(data) BETWEEN 1 AND 4096)"
	");"
	"CREATE INDEX IF NOT EXISTS events_time ON events (time);",
	/*
	 * 6: who owns each ticket an order opened (store.c's owners,
	 * trading.positions_scope): the key, and the order's journal id.
	 */
	"CREATE TABLE IF NOT EXISTS tickets ("
	"  ticket INTEGER PRIMARY KEY CHECK (ticket >= 1),"
	"  key_id INTEGER NOT NULL,"
	"  order_id INTEGER NOT NULL"
	");"
	"CREATE INDEX IF NOT EXISTS tickets_order ON tickets (order_id);"
	/*
	 * And the monitor's own record of each deal's realised profit, for
	 * trading.max_daily_loss: written once, when the deal is first
	 * reported, never changed by a later report.  Seeded with the
	 * deals the broker state holds.
	 */
	"CREATE TABLE IF NOT EXISTS ledger ("
	"  deal INTEGER PRIMARY KEY CHECK (deal >= 1),"
	"  time INTEGER NOT NULL,"
	"  profit REAL NOT NULL"
	");"
	"CREATE INDEX IF NOT EXISTS ledger_time ON ledger (time);"
	"INSERT OR IGNORE INTO ledger (deal, time, profit)"
	"  SELECT CAST(key AS INTEGER), time, profit FROM broker_state"
	"  WHERE type = 5 AND CAST(key AS INTEGER) >= 1;",
	/*
	 * 7: the audit trail (issue 11, audit.c): one row per event, each
	 * with the HMAC chained over the row before.  No AUTOINCREMENT:
	 * audit.c gives each row the id after the last, inside the MAC.
	 * The lengths are audit.h's.
	 */
	"CREATE TABLE IF NOT EXISTS audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL CHECK (typeof(time) = 'integer'),"
	"  type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 31),"
	"  actor TEXT NOT NULL CHECK (length(actor) <= 127),"
	"  key TEXT NOT NULL CHECK (length(key) <= 63),"
	"  source TEXT NOT NULL CHECK (length(source) <= 63),"
	"  detail TEXT NOT NULL CHECK (length(detail) <= 1023),"
	"  mac BLOB NOT NULL CHECK (length(mac) = 32)"
	");"
	"CREATE INDEX IF NOT EXISTS audit_time ON audit (time);"
	"CREATE INDEX IF NOT EXISTS audit_type ON audit (type, id);",
	/*
	 * 8: two indexes no statement reads, each a page more in every
	 * order's commit (bench/orders_pages.sh): tickets by order id
	 * (owners are looked up by ticket; the start-up prune scans the
	 * table anyway) and the ledger by time (the daily-loss sum reads
	 * the whole ledger; only the start-up prune filtered by time).
	 */
	"DROP INDEX IF EXISTS tickets_order; DROP INDEX IF EXISTS ledger_time;",
};

const size_t db_nmigrations = sizeof(db_migrations) / sizeof(db_migrations[0]);
