/*
 * mql5_terminal.h - MQL5's terminal functions and their constants, as
 * HeraldBridge.mq5 calls them; implemented in terminal.cpp (and
 * sockets.cpp, files.cpp) on heraldd's paper engine, POSIX sockets and
 * a directory.  Enum values that travel on the wire (order types,
 * actions, fillings, retcodes, reasons, trade and margin modes) are
 * MT5's; property identifiers are the simulator's own.
 */
#ifndef HERALD_MQL5_TERMINAL_H
#define HERALD_MQL5_TERMINAL_H

#define INVALID_HANDLE		(-1)
#define INIT_SUCCEEDED		0
#define INIT_FAILED		1
#define INIT_PARAMETERS_INCORRECT 32767

#define FILE_READ		1
#define FILE_WRITE		2
#define FILE_BIN		4
#define FILE_CSV		8
#define FILE_TXT		16
#define FILE_ANSI		32
#define FILE_SHARE_READ		128
#define FILE_SHARE_WRITE	256

enum {
	TRADE_RETCODE_REQUOTE = 10004, TRADE_RETCODE_REJECT = 10006,
	TRADE_RETCODE_PLACED = 10008, TRADE_RETCODE_DONE = 10009,
	TRADE_RETCODE_DONE_PARTIAL = 10010, TRADE_RETCODE_ERROR = 10011,
	TRADE_RETCODE_TIMEOUT = 10012, TRADE_RETCODE_INVALID = 10013,
	TRADE_RETCODE_MARKET_CLOSED = 10018, TRADE_RETCODE_PRICE_CHANGED = 10020,
	TRADE_RETCODE_PRICE_OFF = 10021, TRADE_RETCODE_TOO_MANY_REQUESTS = 10024,
	TRADE_RETCODE_SERVER_DISABLES_AT = 10026,
	TRADE_RETCODE_CLIENT_DISABLES_AT = 10027, TRADE_RETCODE_CONNECTION = 10031,
	TRADE_RETCODE_POSITION_CLOSED = 10036
};

enum { POSITION_TYPE_BUY = 0, POSITION_TYPE_SELL = 1 };

enum ENUM_TRADE_REQUEST_ACTIONS {
	TRADE_ACTION_DEAL = 1, TRADE_ACTION_PENDING = 5, TRADE_ACTION_SLTP = 6,
	TRADE_ACTION_MODIFY = 7, TRADE_ACTION_REMOVE = 8, TRADE_ACTION_CLOSE_BY = 10
};

enum ENUM_ORDER_TYPE {
	ORDER_TYPE_BUY, ORDER_TYPE_SELL, ORDER_TYPE_BUY_LIMIT, ORDER_TYPE_SELL_LIMIT,
	ORDER_TYPE_BUY_STOP, ORDER_TYPE_SELL_STOP, ORDER_TYPE_BUY_STOP_LIMIT,
	ORDER_TYPE_SELL_STOP_LIMIT, ORDER_TYPE_CLOSE_BY
};

enum ENUM_ORDER_TYPE_FILLING {
	ORDER_FILLING_FOK, ORDER_FILLING_IOC, ORDER_FILLING_RETURN, ORDER_FILLING_BOC
};

enum ENUM_ORDER_TYPE_TIME {
	ORDER_TIME_GTC, ORDER_TIME_DAY, ORDER_TIME_SPECIFIED, ORDER_TIME_SPECIFIED_DAY
};

enum { SYMBOL_FILLING_FOK = 1, SYMBOL_FILLING_IOC = 2 };
enum { DEAL_REASON_CLIENT = 0, DEAL_REASON_EXPERT = 3, DEAL_REASON_SL = 4,
	DEAL_REASON_TP = 5, DEAL_REASON_SO = 6 };

enum ENUM_ORDER_STATE {
	ORDER_STATE_STARTED = 0, ORDER_STATE_PLACED, ORDER_STATE_CANCELED,
	ORDER_STATE_PARTIAL, ORDER_STATE_FILLED, ORDER_STATE_REJECTED,
	ORDER_STATE_EXPIRED
};

enum ENUM_TRADE_TRANSACTION_TYPE {
	TRADE_TRANSACTION_ORDER_ADD = 0, TRADE_TRANSACTION_ORDER_UPDATE = 1,
	TRADE_TRANSACTION_ORDER_DELETE = 2, TRADE_TRANSACTION_HISTORY_ADD = 3,
	TRADE_TRANSACTION_DEAL_ADD = 6, TRADE_TRANSACTION_POSITION = 9,
	TRADE_TRANSACTION_REQUEST = 10
};

/* Property identifiers (the simulator's numbering). */
enum {
	TERMINAL_TRADE_ALLOWED = 1, TERMINAL_CONNECTED, MQL_TRADE_ALLOWED,
	ACCOUNT_LOGIN, ACCOUNT_LEVERAGE, ACCOUNT_MARGIN_MODE,
	ACCOUNT_TRADE_ALLOWED, ACCOUNT_TRADE_EXPERT, ACCOUNT_SERVER,
	ACCOUNT_CURRENCY, ACCOUNT_BALANCE, ACCOUNT_EQUITY, ACCOUNT_MARGIN,
	ACCOUNT_MARGIN_FREE, ACCOUNT_MARGIN_LEVEL,
	SYMBOL_DIGITS, SYMBOL_TRADE_STOPS_LEVEL, SYMBOL_TRADE_FREEZE_LEVEL,
	SYMBOL_FILLING_MODE, SYMBOL_TRADE_EXEMODE, SYMBOL_TRADE_MODE,
	SYMBOL_TRADE_CALC_MODE, SYMBOL_POINT, SYMBOL_TRADE_CONTRACT_SIZE,
	SYMBOL_VOLUME_MIN, SYMBOL_VOLUME_MAX, SYMBOL_VOLUME_STEP,
	SYMBOL_MARGIN_INITIAL, SYMBOL_MARGIN_HEDGED, SYMBOL_BID, SYMBOL_ASK,
	SYMBOL_CURRENCY_BASE, SYMBOL_CURRENCY_PROFIT, SYMBOL_CURRENCY_MARGIN,
	POSITION_SYMBOL, POSITION_TYPE, POSITION_VOLUME, POSITION_PRICE_OPEN,
	POSITION_PRICE_CURRENT, POSITION_SL, POSITION_TP, POSITION_PROFIT,
	POSITION_SWAP, POSITION_MAGIC, POSITION_TIME_MSC, POSITION_COMMENT,
	ORDER_SYMBOL, ORDER_TYPE, ORDER_VOLUME_INITIAL, ORDER_VOLUME_CURRENT,
	ORDER_PRICE_OPEN, ORDER_PRICE_STOPLIMIT, ORDER_SL, ORDER_TP,
	ORDER_TYPE_TIME, ORDER_TIME_EXPIRATION, ORDER_MAGIC,
	ORDER_TIME_SETUP_MSC, ORDER_COMMENT,
	DEAL_SYMBOL, DEAL_TYPE, DEAL_ORDER, DEAL_VOLUME, DEAL_PRICE,
	DEAL_PROFIT, DEAL_REASON, DEAL_MAGIC, DEAL_TIME_MSC, DEAL_COMMENT,
	DEAL_POSITION_ID, DEAL_ENTRY, DEAL_COMMISSION, DEAL_SWAP
};

struct MqlTradeRequest {
	ENUM_TRADE_REQUEST_ACTIONS action = TRADE_ACTION_DEAL;
	ulong		magic = 0;
	ulong		order = 0;
	string		symbol;
	double		volume = 0, price = 0, stoplimit = 0, sl = 0, tp = 0;
	ulong		deviation = 0;
	ENUM_ORDER_TYPE	type = ORDER_TYPE_BUY;
	ENUM_ORDER_TYPE_FILLING type_filling = ORDER_FILLING_FOK;
	ENUM_ORDER_TYPE_TIME type_time = ORDER_TIME_GTC;
	datetime	expiration = 0;
	string		comment;
	ulong		position = 0;
	ulong		position_by = 0;
};

struct MqlTradeResult {
	uint		retcode = 0;
	ulong		deal = 0;
	ulong		order = 0;
	double		volume = 0, price = 0, bid = 0, ask = 0;
	string		comment;
	uint		request_id = 0;
	int		retcode_external = 0;
};

struct MqlTradeCheckResult {
	uint		retcode = 0;
	double		balance = 0, equity = 0, profit = 0, margin = 0;
	double		margin_free = 0, margin_level = 0;
	string		comment;
};

struct MqlTick {
	datetime	time = 0;
	double		bid = 0, ask = 0, last = 0;
	ulong		volume = 0;
	long		time_msc = 0;
	uint		flags = 0;
	double		volume_real = 0;
};

struct MqlTradeTransaction {
	ulong		deal = 0;
	ulong		order = 0;
	string		symbol;
	ENUM_TRADE_TRANSACTION_TYPE type = TRADE_TRANSACTION_REQUEST;
	ENUM_ORDER_TYPE	order_type = ORDER_TYPE_BUY;
	ENUM_ORDER_STATE order_state = ORDER_STATE_STARTED;
	double		price = 0, volume = 0;
	ulong		position = 0;
};

int	SocketCreate(uint flags = 0);
bool	SocketClose(int);
bool	SocketConnect(int, const string &, uint, uint);
bool	SocketIsConnected(int);
uint	SocketIsReadable(int);
int	SocketRead(int, MqlArray<uchar> &, uint, uint);
int	SocketSend(int, const MqlArray<uchar> &, uint);
bool	SocketTlsHandshake(int, const string &);
bool	SocketTlsCertificate(int, string &, string &, string &, string &, datetime &);
int	SocketTlsSend(int, const MqlArray<uchar> &, uint);
int	SocketTlsReadAvailable(int, MqlArray<uchar> &, uint);

int	FileOpen(const string &, int);
void	FileClose(int);
bool	FileIsEnding(int);
string	FileReadString(int, int len = -1);
uint	FileWriteString(int, const string &, int len = -1);
void	FileFlush(int);
bool	FileSeek(int, long, int);

long	TerminalInfoInteger(int);
long	MQLInfoInteger(int);
long	AccountInfoInteger(int);
double	AccountInfoDouble(int);
string	AccountInfoString(int);
bool	SymbolSelect(const string &, bool);
long	SymbolInfoInteger(const string &, int);
double	SymbolInfoDouble(const string &, int);
string	SymbolInfoString(const string &, int);
bool	SymbolInfoTick(const string &, MqlTick &);
enum ENUM_DAY_OF_WEEK {
	SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY
};
bool	SymbolInfoSessionTrade(const string &, ENUM_DAY_OF_WEEK, uint,
	    datetime &, datetime &);

bool	OrderCheck(const MqlTradeRequest &, MqlTradeCheckResult &);
bool	OrderSend(const MqlTradeRequest &, MqlTradeResult &);
int	PositionsTotal();
bool	PositionSelectByTicket(ulong);
bool	OrderSelect(ulong);
ulong	PositionGetTicket(int);
long	PositionGetInteger(int);
double	PositionGetDouble(int);
string	PositionGetString(int);
int	OrdersTotal();
ulong	OrderGetTicket(int);
long	OrderGetInteger(int);
double	OrderGetDouble(int);
string	OrderGetString(int);
bool	HistorySelect(datetime, datetime);
int	HistoryDealsTotal();
ulong	HistoryDealGetTicket(int);
bool	HistoryDealSelect(ulong);
long	HistoryDealGetInteger(ulong, int);
double	HistoryDealGetDouble(ulong, int);
string	HistoryDealGetString(ulong, int);
int	HistoryOrdersTotal();
ulong	HistoryOrderGetTicket(int);
long	HistoryOrderGetInteger(ulong, int);
double	HistoryOrderGetDouble(ulong, int);
string	HistoryOrderGetString(ulong, int);

datetime TimeCurrent();
datetime TimeTradeServer();
datetime TimeLocal();
ulong	GetTickCount64();
ulong	GetMicrosecondCount();
void	Sleep(int);
bool	EventSetMillisecondTimer(int);
void	EventKillTimer();

#endif
