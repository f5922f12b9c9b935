//+------------------------------------------------------------------+
//| HeraldBridge.mq5 - the terminal's side of heraldd's MT5 bridge.   |
//|                                                                  |
//| The EA connects out to heraldd's bridge listener, proves it holds |
//| the bridge key K and checks that heraldd does too, then answers   |
//| the broker's requests and executes only orders whose              |
//| authorisation tag (made by heraldd's monitor) checks.  Each order |
//| carries its command id in magic and comment, and its result is    |
//| journaled in the Files folder before it is answered, so an order  |
//| is never executed twice.  Protocol: herald-bridge(7).             |
//|                                                                  |
//| Pure MQL5, no DLL imports.  Written in the subset that            |
//| broker/mt5sim/mql2cpp.sed turns into C++ for herald-mt5sim: no    |
//| classes, no forward use of a function, dynamic arrays only, one   |
//| array per declaration (herald-bridge.7, SIMULATOR).               |
//+------------------------------------------------------------------+
#property copyright "heraldd"
#property version   "1.00"
#property strict
#property description "heraldd bridge: allow the bridge address in Tools > Options > Expert Advisors"

#include "HbInfo.mqh"

input string BridgeAddress = "127.0.0.1";     // heraldd's mt5.bridge.address
input int    BridgePort    = 5555;            // heraldd's mt5.bridge.port
input string BridgeKey     = "";              // K as 64 hex digits; empty: KeyFile
input string KeyFile       = "herald_bridge.key"; // in MQL5\Files
input string CertSha256    = "";              // TLS pin: heraldctl bridge status's SHA-256
input ulong  MagicBase     = 4857000000000000000; // magic = MagicBase + cmd mod 10^12
input ulong  Deviation     = 20;              // points of slippage when heraldd sends 0
input int    TimerMs       = 20;              // how often the socket is polled

#define HB_VERSION     "HeraldBridge 1.0"
#define HB_ST_DOWN     0
#define HB_ST_HELLO    1
#define HB_ST_AUTH     2
#define HB_ST_READY    3
#define HB_HANDSHAKE_MS 10000
#define HB_SILENCE_MS  10000
#define HB_BACKOFF_MAX 30
#define HB_LINGER_US   3000
#define HB_LINGER_MAX_US 20000

int    g_sock = INVALID_HANDLE;
int    g_state = HB_ST_DOWN;
bool   g_tls = false;
ulong  g_seq_out = 1;
ulong  g_seq_in = 1;
uchar  g_K[];
uchar  g_S[];
uchar  g_O[];
uchar  g_ne[];
uchar  g_nb[];
uchar  g_rx[];
int    g_rxlen = 0;
ulong  g_since = 0;
ulong  g_last_rx = 0;
ulong  g_next_try = 0;
int    g_backoff = 1;
ulong  g_nonces = 0;
long   g_login = 0;
bool   g_journal_ok = false;

//--- connection ------------------------------------------------------

bool HbLoopback(const string host)
  {
   return StringFind(host, "127.") == 0 || host == "localhost" || host == "::1";
  }

void HbDrop(const string why)
  {
   if(g_sock != INVALID_HANDLE)
     {
      Print("HeraldBridge: connection closed: ", why);
      SocketClose(g_sock);
     }
   g_sock = INVALID_HANDLE;
   g_state = HB_ST_DOWN;
   g_rxlen = 0;
   ArrayResize(g_rx, 0);
   ArrayResize(g_S, 0);
   ArrayResize(g_O, 0);
   g_next_try = GetTickCount64() + (ulong)g_backoff * 1000;
   g_backoff = (g_backoff * 2 > HB_BACKOFF_MAX) ? HB_BACKOFF_MAX : g_backoff * 2;
  }

bool HbSend(const string text)
  {
   uchar frame[];
   HbFrameBuild(g_seq_out, text, g_state == HB_ST_READY, g_S, frame);
   g_seq_out++;
   int n = ArraySize(frame);
   int sent = g_tls ? SocketTlsSend(g_sock, frame, n) : SocketSend(g_sock, frame, n);
   if(sent != n)
     {
      HbDrop("send failed: error " + IntegerToString(GetLastError()));
      return false;
     }
   return true;
  }

// Refuse a frame: an ERROR naming the reason, then close.
void HbRefuse(ulong req, const string reason, const string why)
  {
   string text = "ERROR\n";
   if(req > 0)
      text += "req=" + HbU64Str(req) + "\n";
   HbSend(text + "reason=" + reason + "\n");
   HbDrop("refused a frame: " + why);
  }

string HbNormalPrint(const string s)
  {
   string out = "";
   for(int i = 0; i < StringLen(s); i++)
     {
      ushort c = StringGetCharacter(s, i);
      if(c >= 'A' && c <= 'F')
         c = (ushort)(c - 'A' + 'a');
      if((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
         out += ShortToString(c);
     }
   return out;
  }

// TLS with the pinned certificate: for a non-loopback address always
// (heraldd refuses such a listener without TLS), and wherever a pin is
// set.  The pin is the whole check: a certificate whose thumbprint is
// not CertSha256 is refused before a byte of the protocol is sent.
bool HbTls()
  {
   if(StringLen(HbNormalPrint(CertSha256)) == 0)
     {
      Print("HeraldBridge: ", BridgeAddress, " is not loopback: set CertSha256 to the ",
            "SHA-256 that heraldctl bridge status prints for heraldd's bridge certificate");
      return false;
     }
   if(!SocketTlsHandshake(g_sock, BridgeAddress))
     {
      Print("HeraldBridge: TLS handshake with ", BridgeAddress, " failed: error ",
            GetLastError(), " (is mt5.bridge.tls on in heraldd?)");
      return false;
     }
   string subject, issuer, serial, thumb;
   datetime expiry;
   if(!SocketTlsCertificate(g_sock, subject, issuer, serial, thumb, expiry))
     {
      Print("HeraldBridge: no certificate from ", BridgeAddress, ": error ", GetLastError());
      return false;
     }
   if(HbNormalPrint(thumb) != HbNormalPrint(CertSha256))
     {
      Print("HeraldBridge: certificate of ", BridgeAddress, " (", subject,
            ", thumbprint ", thumb, ") is not the pinned one (CertSha256 ", CertSha256,
            "): refused; compare with heraldctl bridge status");
      return false;
     }
   return true;
  }

void HbNonce(uchar &out[])
  {
   uchar seed[];
   g_nonces++;
   HbBytes("nonce" + HbU64Str(g_nonces) + "/" + HbU64Str(GetMicrosecondCount()) +
           "/" + HbI64Str((long)TimeLocal()) + "/" + IntegerToString(MathRand()) +
           "/" + IntegerToString(MathRand()), seed);
   HbHmac(g_K, seed, ArraySize(seed), out);
  }

void HbConnect()
  {
   g_sock = SocketCreate();
   if(g_sock == INVALID_HANDLE)
     {
      Print("HeraldBridge: SocketCreate failed: error ", GetLastError());
      HbDrop("no socket");
      return;
     }
   if(!SocketConnect(g_sock, BridgeAddress, BridgePort, 3000))
     {
      HbDrop("cannot connect to " + BridgeAddress + ":" + IntegerToString(BridgePort) +
             ": error " + IntegerToString(GetLastError()) +
             " (is the address allowed in Tools > Options > Expert Advisors?)");
      return;
     }
   g_tls = !HbLoopback(BridgeAddress) || StringLen(CertSha256) > 0;
   if(g_tls && !HbTls())
     {
      HbDrop("TLS refused");
      return;
     }
   g_state = HB_ST_HELLO;
   g_seq_out = 1;
   g_seq_in = 1;
   g_since = GetTickCount64();
   g_last_rx = g_since;
   HbNonce(g_ne);
   string server = HbClean(AccountInfoString(ACCOUNT_SERVER));
   HbSend("HELLO\nversion=1\nlogin=" + HbI64Str(g_login) + "\nserver=" +
          StringSubstr(server, 0, 64) + "\nnonce=" + HbHex(g_ne, 32) + "\nea=" +
          HB_VERSION + "\n");
  }

//--- the handshake -----------------------------------------------------

void HbOnChallenge(const string &keys[], const string &vals[], int n)
  {
   string why;
   uchar tag[];
   uchar want[];
   if(!HbKeysAre(keys, n, "nonce,tag", false, why) ||
      !HbUnhex(HbGet(keys, vals, n, "nonce"), 32, g_nb) ||
      !HbUnhex(HbGet(keys, vals, n, "tag"), 32, tag))
     {
      HbRefuse(0, "bad_request", "malformed CHALLENGE");
      return;
     }
   HbDerive(g_K, "broker", g_ne, g_nb, want);
   if(!HbEqual(want, 0, tag, 0, 32))
     {
      Print("HeraldBridge: bridge: broker not genuine (its CHALLENGE tag does ",
            "not check: a different key, or not heraldd)");
      HbDrop("broker not genuine");
      return;
     }
   uchar te[];
   HbDerive(g_K, "ea", g_ne, g_nb, te);
   HbDerive(g_K, "session", g_ne, g_nb, g_S);
   HbDerive(g_K, "order", g_ne, g_nb, g_O);
   if(HbSend("AUTH\ntag=" + HbHex(te, 32) + "\n"))
      g_state = HB_ST_AUTH;
  }

void HbOnReady(const string &keys[], const string &vals[], int n)
  {
   string why;
   if(!HbKeysAre(keys, n, "heartbeat,max_frame", false, why))
     {
      HbRefuse(0, "bad_request", "malformed READY: " + why);
      return;
     }
   g_state = HB_ST_READY;
   g_backoff = 1;
   Print("HeraldBridge: connected to heraldd at ", BridgeAddress, ":", BridgePort,
         (g_tls ? " (TLS)" : ""), ", account ", g_login);
  }

//--- requests ------------------------------------------------------------

void HbAnswerLine(ulong req, const string line)
  {
   HbSend(HbResultText(req, line, true));
  }

void HbOnOrderSend(ulong req, const string text, const string &keys[],
                   const string &vals[], int n)
  {
   string why;
   ulong cmd = 0;
   uchar tag[];
   string order_keys = "req,cmd,action,symbol,type,volume,price,stoplimit,sl,";
   order_keys += "tp,deviation,type_time,expiration,position,position_by,order,";
   order_keys += "comment,auth";
   if(!HbKeysAre(keys, n, order_keys, true, why) ||
      !HbParseU64(HbGet(keys, vals, n, "cmd"), cmd) || cmd == 0 ||
      !HbUnhex(HbGet(keys, vals, n, "auth"), 32, tag))
     {
      HbRefuse(req, "bad_request", "malformed ORDER_SEND: " + why);
      return;
     }
   int from = StringFind(text, "\ncmd=") + 1;
   int to = StringFind(text, "\nauth=") + 1;
   uchar canon[];
   uchar want[];
   HbBytes(StringSubstr(text, from, to - from), canon);
   HbHmac(g_O, canon, ArraySize(canon), want);
   if(!HbEqual(want, 0, tag, 0, 32))
     {
      Print("HeraldBridge: refused order cmd=", HbU64Str(cmd),
            ": authorisation tag does not check");
      MqlTradeResult bad;
      ZeroMemory(bad);
      bad.retcode = TRADE_RETCODE_INVALID;
      bad.comment = "auth_failed";
      HbSend(HbResultText(req, HbLine(cmd, bad, 8), false));
      return;
     }
   string line = HbJournalFind(cmd);
   if(line != "")
     {
      HbAnswerLine(req, line);
      return;
     }
   if(!g_journal_ok)
     {
      Print("HeraldBridge: cannot open the journal: executing nothing (cmd=",
            HbU64Str(cmd), ")");
      HbSend("ERROR\nreq=" + HbU64Str(req) + "\nreason=not_allowed\n");
      return;
     }
   line = HbFromHistory(cmd, MagicBase);
   if(line != "")
     {
      HbJournalAppend(cmd, line);
      HbAnswerLine(req, line);
      return;
     }
   MqlTradeRequest rq;
   MqlTradeResult res;
   if(!HbOrderParse(keys, vals, n, rq, why))
     {
      HbRefuse(req, "bad_request", "ORDER_SEND value of " + why);
      return;
     }
   HbOrderRun(cmd, MagicBase, Deviation, rq, res);
   line = HbLine(cmd, res, HbDigits(rq.symbol));
   bool stored = false;
   if(HbJournalable(res.retcode))
     {
      stored = HbJournalAppend(cmd, line);
      if(!stored)
         Print("HeraldBridge: cmd=", HbU64Str(cmd), " executed (retcode ",
               res.retcode, ") but the journal write failed");
     }
   HbSend(HbResultText(req, line, stored));
  }

void HbOnQuery(ulong req, const string &keys[], const string &vals[], int n)
  {
   string why;
   ulong cmd = 0;
   if(!HbKeysAre(keys, n, "req,cmd", false, why) ||
      !HbParseU64(HbGet(keys, vals, n, "cmd"), cmd) || cmd == 0)
     {
      HbRefuse(req, "bad_request", "malformed QUERY: " + why);
      return;
     }
   string line = HbJournalFind(cmd);
   if(line == "")
     {
      line = HbFromHistory(cmd, MagicBase);
      if(line != "")
         HbJournalAppend(cmd, line);
     }
   if(line != "")
      HbAnswerLine(req, line);
   else
      HbSend("UNKNOWN\nreq=" + HbU64Str(req) + "\ncmd=" + HbU64Str(cmd) + "\n");
  }

// The deals the terminal made while heraldd did not hear of them: heraldd
// asks on every new session, from the newest deal it has.
void HbOnDeals(ulong req, const string &keys[], const string &vals[], int n)
  {
   string why;
   ulong after = 0;
   long since = 0;
   if(!HbKeysAre(keys, n, "req,after,since", false, why) ||
      !HbParseU64(HbGet(keys, vals, n, "after"), after) ||
      !HbParseI64(HbGet(keys, vals, n, "since"), since))
     {
      HbRefuse(req, "bad_request", "malformed DEALS: " + why);
      return;
     }
   HbSend(HbDeals(req, after, since));
  }

// A request with a name or a list index: the answer's text, "" if the
// request is malformed (refused) or the symbol unknown (answered).
void HbOnRead(const string type, ulong req, const string &keys[],
              const string &vals[], int n)
  {
   string why;
   string text = "";
   ulong from = 0;
   if(type == "PING")
     {
      ulong t = 0;
      if(!HbKeysAre(keys, n, "req,t", false, why) ||
         !HbParseU64(HbGet(keys, vals, n, "t"), t))
        {
         HbRefuse(req, "bad_request", "malformed PING " + why);
         return;
        }
      text = HbPong(req, HbGet(keys, vals, n, "t"));
     }
   else if(type == "ACCOUNT")
     {
      if(!HbKeysAre(keys, n, "req", false, why))
        {
         HbRefuse(req, "bad_request", "malformed ACCOUNT " + why);
         return;
        }
      text = HbAccount(req);
     }
   else if(type == "SYMBOL" || type == "TICK")
     {
      if(!HbKeysAre(keys, n, "req,name", false, why))
        {
         HbRefuse(req, "bad_request", "malformed " + type + " " + why);
         return;
        }
      string name = HbGet(keys, vals, n, "name");
      text = (type == "SYMBOL") ? HbSymbol(req, name) : HbTick(req, name);
      if(text == "")
         text = "ERROR\nreq=" + HbU64Str(req) + "\nreason=unknown_symbol\n";
     }
   else
     {
      if(!HbKeysAre(keys, n, "req,from", false, why) ||
         !HbParseU64(HbGet(keys, vals, n, "from"), from))
        {
         HbRefuse(req, "bad_request", "malformed " + type + " " + why);
         return;
        }
      text = (type == "POSITIONS") ? HbPositions(req, from) : HbOrders(req, from);
     }
   HbSend(text);
  }

void HbDispatch(const string text)
  {
   string type, why;
   string keys[];
   string vals[];
   int n = HbTextParse(text, type, keys, vals, why);
   if(n < 0)
     {
      HbRefuse(0, "bad_request", why);
      return;
     }
   if(type == "ERROR")
     {
      HbDrop("heraldd refused: " + HbGet(keys, vals, n, "reason"));
      return;
     }
   if(g_state == HB_ST_HELLO)
     {
      if(type == "CHALLENGE")
         HbOnChallenge(keys, vals, n);
      else
         HbRefuse(0, "bad_request", type + " before CHALLENGE");
      return;
     }
   if(g_state == HB_ST_AUTH)
     {
      if(type == "READY")
         HbOnReady(keys, vals, n);
      else
         HbRefuse(0, "bad_request", type + " before READY");
      return;
     }
   ulong req = 0;
   if(!HbParseU64(HbGet(keys, vals, n, "req"), req))
     {
      HbRefuse(0, "bad_request", type + " without a valid req");
      return;
     }
   if(type == "ORDER_SEND")
      HbOnOrderSend(req, text, keys, vals, n);
   else if(type == "QUERY")
      HbOnQuery(req, keys, vals, n);
   else if(type == "DEALS")
      HbOnDeals(req, keys, vals, n);
   else if(type == "PING" || type == "ACCOUNT" || type == "SYMBOL" ||
           type == "TICK" || type == "POSITIONS" || type == "ORDERS")
      HbOnRead(type, req, keys, vals, n);
   else
      HbRefuse(req, "bad_request", "unknown request type " + type);
  }

// Take every whole frame from the receive buffer.
void HbFrames()
  {
   while(g_sock != INVALID_HANDLE && g_rxlen > 0)
     {
      int used = 0;
      string text, why;
      bool mac = g_state == HB_ST_READY || g_state == HB_ST_AUTH;
      int got = HbFrameTake(g_rx, g_rxlen, mac, g_S, g_seq_in, used, text, why);
      if(got < 0 && g_state == HB_ST_AUTH)
         got = HbFrameTake(g_rx, g_rxlen, false, g_S, g_seq_in, used, text, why);
      if(got == 0)
         return;
      if(got < 0)
        {
         Print("HeraldBridge: refused a frame from heraldd: ", why);
         HbDrop(why);
         return;
        }
      g_seq_in++;
      g_rxlen -= used;
      for(int i = 0; i < g_rxlen; i++)
         g_rx[i] = g_rx[used + i];
      ArrayResize(g_rx, g_rxlen);
      g_last_rx = GetTickCount64();
      HbDispatch(text);
     }
  }

// Read what heraldd sent and handle its frames.  heraldd follows a
// request that changed the account with a read of the positions or
// orders at once, so after data the EA keeps reading for HB_LINGER_US
// more (Sleep(1) between looks, at most HB_LINGER_MAX_US in all) rather
// than leave that read to the next timer event: a round trip less per
// order.
int HbPumpOnce()
  {
   uchar chunk[];
   int n = 0;
   if(g_tls)
      n = SocketTlsReadAvailable(g_sock, chunk, HB_MAX_FRAME + 4);
   else
     {
      uint avail = SocketIsReadable(g_sock);
      if(avail > 0)
         n = SocketRead(g_sock, chunk, avail, 10);
     }
   if(n < 0)
     {
      HbDrop("read failed: error " + IntegerToString(GetLastError()));
      return -1;
     }
   if(n > 0)
     {
      HbAppend(g_rx, chunk, n);
      g_rxlen += n;
      HbFrames();
     }
   if(g_sock != INVALID_HANDLE && !SocketIsConnected(g_sock))
     {
      HbDrop("heraldd closed the connection");
      return -1;
     }
   return n;
  }

void HbPump()
  {
   if(HbPumpOnce() <= 0)
      return;
   ulong start = GetMicrosecondCount(), last = start;
   while(g_sock != INVALID_HANDLE && g_state == HB_ST_READY)
     {
      ulong now = GetMicrosecondCount();
      if(now - last >= HB_LINGER_US || now - start >= HB_LINGER_MAX_US)
         return;
      int n = HbPumpOnce();
      if(n < 0)
         return;
      if(n > 0)
         last = GetMicrosecondCount();
      else
         Sleep(1);
     }
  }

//--- key -----------------------------------------------------------------

bool HbLoadKey()
  {
   string hex = BridgeKey;
   if(StringLen(hex) == 0)
     {
      int f = FileOpen(KeyFile, FILE_READ | FILE_TXT | FILE_ANSI);
      if(f == INVALID_HANDLE)
        {
         Print("HeraldBridge: no BridgeKey input and no key file ", KeyFile,
               " in MQL5\\Files: run heraldctl bridge key create and copy K here");
         return false;
        }
      hex = FileReadString(f);
      FileClose(f);
     }
   StringTrimLeft(hex);
   StringTrimRight(hex);
   StringToLower(hex);
   if(!HbUnhex(hex, 32, g_K))
     {
      Print("HeraldBridge: the bridge key must be 64 hex digits (heraldctl bridge key create)");
      return false;
     }
   return true;
  }

//--- terminal events -------------------------------------------------------

int OnInit()
  {
   if(!HbLoadKey())
      return INIT_PARAMETERS_INCORRECT;
   g_login = AccountInfoInteger(ACCOUNT_LOGIN);
   g_journal_ok = HbJournalOpen(g_login);
   g_state = HB_ST_DOWN;
   g_backoff = 1;
   g_next_try = 0;
   MathSrand((int)(GetMicrosecondCount() & 0x7fffffff));
   EventSetMillisecondTimer(TimerMs);
   return INIT_SUCCEEDED;
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   if(g_sock != INVALID_HANDLE)
     {
      SocketClose(g_sock);
      g_sock = INVALID_HANDLE;
     }
   g_state = HB_ST_DOWN;
   HbJournalClose();
  }

void OnTimer()
  {
   ulong now = GetTickCount64();
   if(g_sock == INVALID_HANDLE)
     {
      if(now >= g_next_try)
         HbConnect();
      return;
     }
   HbPump();
   if(g_sock == INVALID_HANDLE)
      return;
   now = GetTickCount64();   // HbPump moved g_last_rx past the old now
   if(g_state != HB_ST_READY && now - g_since > HB_HANDSHAKE_MS)
      HbDrop("handshake not finished within 10 s");
   else if(g_state == HB_ST_READY && now - g_last_rx > HB_SILENCE_MS)
      HbDrop("heraldd silent for 10 s");
  }

void OnTick()
  {
  }

// An order placed, changed or removed (reason: its ORDER_STATE, so
// EXPIRED tells an expiry from a cancel), or a position changed without
// a deal (an SL/TP set by hand).  heraldd reads the positions and orders
// again on any of them: the event is a notification, the terminal's
// lists are the record.  Every EVENT key is there, zero when it does not
// apply.
void HbSendChange(string kind, ulong ticket, const MqlTradeTransaction &trans,
                  long reason)
  {
   int d = HbDigits(trans.symbol);
   HbSend("EVENT\nkind=" + kind + "\nticket=" + HbU64Str(ticket) + "\nsymbol=" +
          trans.symbol + "\ntype=" + IntegerToString((int)trans.order_type) +
          "\nvolume=" + HbVolume(trans.volume) + "\nprice=" +
          HbPrice(trans.price, d) + "\nprofit=0\nreason=" + HbI64Str(reason) +
          "\nmagic=0\ntime_msc=" + HbI64Str((long)TimeCurrent() * 1000) +
          "\norder=" + HbU64Str(trans.order) + "\nposition=" +
          HbU64Str(trans.position) + "\nentry=0\ncommission=0\nswap=0\n");
  }

// Fills, SL/TP, stop-outs and changes made by hand, pushed to heraldd.
void OnTradeTransaction(const MqlTradeTransaction &trans,
                        const MqlTradeRequest &request,
                        const MqlTradeResult &result)
  {
   if(g_state != HB_ST_READY)
      return;
   if(trans.type == TRADE_TRANSACTION_DEAL_ADD && HistoryDealSelect(trans.deal))
      HbSend("EVENT\nkind=deal\n" + HbDealLines(trans.deal, ""));
   else if(trans.type == TRADE_TRANSACTION_ORDER_ADD ||
           trans.type == TRADE_TRANSACTION_ORDER_UPDATE ||
           trans.type == TRADE_TRANSACTION_ORDER_DELETE)
      HbSendChange("order", trans.order, trans, (long)trans.order_state);
   else if(trans.type == TRADE_TRANSACTION_POSITION)
      HbSendChange("position", trans.position, trans, 0);
  }
