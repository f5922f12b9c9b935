/*
 * herald-mt5sim - HeraldBridge.mq5 run on a simulated MetaTrader 5
 * terminal: the terminal's side of heraldd's bridge without MT5.
 *
 *   herald-mt5sim --connect ADDR:PORT [--key-file FILE] --login N
 *       --server NAME [--files DIR] [--seed N] [--netting]
 *       [--state FILE] [--manual] [--fault NAME[=N] ...]
 *
 * main() plays the terminal: it sets the EA's inputs from the command
 * line (as the inputs dialog does; without --key-file the BridgeKey input
 * stays empty and the EA reads herald_bridge.key in the Files folder, as
 * on a real terminal), calls OnInit, then runs the event
 * loop: OnTimer at the period the EA asked for, a tick of every symbol
 * every 250 ms, OnTradeTransaction for each change of the trade
 * server's state, and the restarts the fault switches ask for.
 * With --manual, what a trader does by hand comes from standard input
 * (manual.cpp).  SIGTERM or SIGINT: OnDeinit, exit 0.  herald-bridge(7) lists the
 * faults.
 */
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

/* The EA's inputs and event handlers (HeraldBridge.mq5, translated). */
extern string	BridgeAddress;
extern int	BridgePort;
extern string	BridgeKey;
extern string	KeyFile;
extern string	CertSha256;
extern ulong	MagicBase;
int	OnInit();
void	OnDeinit(const int);
void	OnTimer();
void	OnTradeTransaction(const MqlTradeTransaction &, const MqlTradeRequest &,
	    const MqlTradeResult &);

struct sim_faults sim_fault;
long	sim_login;
std::string sim_server;
std::string sim_files = "mt5sim-files";
int	sim_timer_ms;
int	sim_restart;
bool	sim_lose_reply;
std::deque<MqlTradeTransaction> sim_tx;

static volatile sig_atomic_t quit;

static void on_signal(int) { quit = 1; }

static void
usage(void)
{
	fprintf(stderr, "usage: herald-mt5sim --connect ADDR:PORT [--key-file FILE] "
	    "--login N --server NAME\n\t[--files DIR] [--seed N] [--netting] "
	    "[--cert-sha256 HEX] [--state FILE] [--manual]\n"
	    "\t[--fault NAME[=N] ...]\n"
	    "faults: reply_lost duplicate disconnect restart restart_wipe requote\n"
	    "\tpartial throttle market_closed autotrading_off latency=MS "
	    "clock_skew=S\n");
	exit(2);
}

/* NAME[=N]: a count (default 1) or, for latency and clock_skew, a value. */
static void
fault(const char *arg)
{
	std::string name(arg), val;
	size_t eq = name.find('=');
	char *end = NULL;
	long n = 1;

	if (eq != std::string::npos) {
		val = name.substr(eq + 1);
		name.resize(eq);
		n = strtol(val.c_str(), &end, 10);
		if (val.empty() || *end != '\0') {
			fprintf(stderr, "herald-mt5sim: --fault %s: the value must be a "
			    "number\n", arg);
			exit(2);
		}
	}
	struct { const char *name; int *count; } counts[] = {
		{ "reply_lost", &sim_fault.reply_lost },
		{ "duplicate", &sim_fault.duplicate },
		{ "disconnect", &sim_fault.disconnect },
		{ "restart", &sim_fault.restart },
		{ "restart_wipe", &sim_fault.restart_wipe },
		{ "requote", &sim_fault.requote },
		{ "partial", &sim_fault.partial },
		{ "throttle", &sim_fault.throttle },
		{ "latency", &sim_fault.latency_ms },
	};
	for (auto &c : counts)
		if (name == c.name) {
			*c.count = (int)n;
			return;
		}
	if (name == "market_closed")
		sim_fault.market_closed = true;
	else if (name == "autotrading_off")
		sim_fault.autotrading_off = true;
	else if (name == "clock_skew")
		sim_fault.skew_s = n;
	else {
		fprintf(stderr, "herald-mt5sim: unknown fault %s\n", name.c_str());
		usage();
	}
}

static std::string
read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[128] = "";

	if (f == NULL || fgets(buf, sizeof(buf), f) == NULL) {
		fprintf(stderr, "herald-mt5sim: cannot read the key file %s\n", path);
		exit(1);
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

static void
start_ea(void)
{
	int rc = OnInit();

	if (rc != INIT_SUCCEEDED) {
		sim_log("OnInit failed (%d): the EA is removed from the chart", rc);
		exit(1);
	}
}

/* A terminal restart: the EA unloads, the Files folder maybe gone. */
static void
restart(void)
{
	OnDeinit(0);
	sim_sockets_close();
	if (sim_restart == 2)
		sim_files_wipe();
	sim_log("terminal restarted%s", sim_restart == 2 ? " without its Files folder" : "");
	sim_restart = 0;
	start_ea();
}

int
main(int argc, char **argv)
{
	unsigned long seed = 1;
	bool netting = false, manual = false;
	std::string connect;
	const char *state = NULL;

	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a == "--netting" || a == "--manual") {
			(a == "--netting" ? netting : manual) = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (a == "--connect")
			connect = v;
		else if (a == "--key-file")
			BridgeKey = string(read_key(v));
		else if (a == "--login")
			sim_login = strtol(v, NULL, 10);
		else if (a == "--server")
			sim_server = v;
		else if (a == "--files")
			sim_files = v;
		else if (a == "--seed")
			seed = strtoul(v, NULL, 10);
		else if (a == "--state")
			state = v;
		else if (a == "--cert-sha256")
			CertSha256 = string(v);
		else if (a == "--fault")
			fault(v);
		else
			usage();
	}
	size_t colon = connect.rfind(':');
	if (colon == std::string::npos || sim_login <= 0 || sim_server.empty())
		usage();
	BridgeAddress = string(connect.substr(0, colon));
	BridgePort = atoi(connect.substr(colon + 1).c_str());
	mkdir(sim_files.c_str(), 0700);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	sim_engine_init(seed, netting);
	if (state != NULL)
		sim_state_open(state);
	if (manual)
		sim_manual_start();
	start_ea();
	sim_log("running: account %ld on %s, bridge %s", sim_login, sim_server.c_str(),
	    connect.c_str());
	ulong next_timer = GetTickCount64(), next_tick = next_timer + 250;
	while (!quit) {
		ulong now = GetTickCount64();
		if (sim_timer_ms > 0 && now >= next_timer) {
			OnTimer();
			next_timer = now + (ulong)sim_timer_ms;
		}
		if (now >= next_tick) {
			sim_engine_tick();
			next_tick = now + 250;
		}
		if (manual)
			sim_manual_poll();
		while (!sim_tx.empty()) {
			MqlTradeTransaction tx = sim_tx.front();
			sim_tx.pop_front();
			OnTradeTransaction(tx, MqlTradeRequest(), MqlTradeResult());
		}
		if (sim_restart)
			restart();
		ulong wake = std::min(next_tick, sim_timer_ms > 0 ? next_timer : next_tick);
		now = GetTickCount64();
		if (wake > now)
			usleep((useconds_t)(wake - now) * 1000);
	}
	OnDeinit(0);
	sim_log("stopped");
	return 0;
}
