//+------------------------------------------------------------------+
//| HbTrade.mqh - ORDER_SEND and QUERY on the terminal: the filling   |
//| mode from the symbol, OrderCheck before OrderSend, the command id  |
//| in magic and comment, and the reconciliation from the terminal's   |
//| history when the journal does not know a command.                  |
//+------------------------------------------------------------------+
#ifndef HB_TRADE_MQH
#define HB_TRADE_MQH

#include "HbJournal.mqh"

#define HB_HISTORY_DAYS 7
// In a modify, "the order's own" (herald-bridge.7, bridge.h's BRIDGE_KEEP_*).
#define HB_KEEP_PRICE -1.0
#define HB_KEEP_TIME 255

ulong HbMagic(ulong base, ulong cmd)
  {
   return base + cmd % 1000000000000;
  }

string HbComment(ulong cmd)
  {
   return "hd:" + HbU64Str(cmd);
  }

// Printable ASCII only, so a terminal's comment fits a frame line.
string HbClean(const string s)
  {
   string out = "";
   int n = StringLen(s);
   if(n > 64)
      n = 64;
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(s, i);
      if(c < 0x20 || c > 0x7e)
         c = '?';
      out += ShortToString(c);
     }
   return out;
  }

int HbDigits(const string symbol)
  {
   if(StringLen(symbol) == 0)
      return 8;
   long d = SymbolInfoInteger(symbol, SYMBOL_DIGITS);
   return (d > 0 && d <= 8) ? (int)d : 8;
  }

string HbPrice(double v, int digits)
  {
   return DoubleToString(v, digits);
  }

string HbVolume(double v)
  {
   return DoubleToString(v, 8);
  }

// The journal line of a result (see HbJournal.mqh).
string HbLine(ulong cmd, const MqlTradeResult &r, int digits)
  {
   return HbU64Str(cmd) + "|" + HbU64Str(r.retcode) + "|" + HbU64Str(r.deal) +
          "|" + HbU64Str(r.order) + "|" + HbVolume(r.volume) + "|" +
          HbPrice(r.price, digits) + "|" + HbPrice(r.bid, digits) + "|" +
          HbPrice(r.ask, digits) + "|" + HbClean(r.comment);
  }

// The RESULT frame's text for a journal line.
string HbResultText(ulong req, const string line, bool journaled)
  {
   ulong cmd = 0;
   string f[];
   HbJournalSplit(line, cmd, f);
   return "RESULT\nreq=" + HbU64Str(req) + "\ncmd=" + f[0] + "\nretcode=" +
          f[1] + "\ndeal=" + f[2] + "\norder=" + f[3] + "\nvolume=" + f[4] +
          "\nprice=" + f[5] + "\nbid=" + f[6] + "\nask=" + f[7] +
          "\ncomment=" + f[8] + "\njournaled=" + (journaled ? "1" : "0") +
          "\n";
  }

// A modify names only what the client changes: the rest is the order's
// own (herald-bridge.7): price 0, stoplimit 0, sl or tp HB_KEEP_PRICE,
// type_time HB_KEEP_TIME (keep_time).  The order is selected.
void HbKeepOrder(MqlTradeRequest &rq, bool keep_time)
  {
   if(rq.price == 0)
      rq.price = OrderGetDouble(ORDER_PRICE_OPEN);
   if(rq.stoplimit == 0)
      rq.stoplimit = OrderGetDouble(ORDER_PRICE_STOPLIMIT);
   if(rq.sl == HB_KEEP_PRICE)
      rq.sl = OrderGetDouble(ORDER_SL);
   if(rq.tp == HB_KEEP_PRICE)
      rq.tp = OrderGetDouble(ORDER_TP);
   if(keep_time)
     {
      rq.type_time = (ENUM_ORDER_TYPE_TIME)OrderGetInteger(ORDER_TYPE_TIME);
      rq.expiration = (datetime)OrderGetInteger(ORDER_TIME_EXPIRATION);
     }
  }

// An SL/TP change names only what the client changes: sl or tp
// HB_KEEP_PRICE is the position's own (herald-bridge.7), since
// TRADE_ACTION_SLTP with 0 removes it.  The position is selected.
void HbKeepPosition(MqlTradeRequest &rq)
  {
   if(rq.sl == HB_KEEP_PRICE)
      rq.sl = PositionGetDouble(POSITION_SL);
   if(rq.tp == HB_KEEP_PRICE)
      rq.tp = PositionGetDouble(POSITION_TP);
  }

// The MqlTradeRequest of an ORDER_SEND whose keys were checked; false
// with why if a value is malformed.
bool HbOrderParse(const string &keys[], const string &vals[], int n,
                  MqlTradeRequest &rq, string &why)
  {
   ulong action = 0, type = 0, deviation = 0, type_time = 0, position = 0,
         position_by = 0, order = 0;
   long expiration = 0;
   double volume = 0, price = 0, stoplimit = 0, sl = 0, tp = 0;
   why = "";
   if(!HbParseU64(HbGet(keys, vals, n, "action"), action))
      why = "action";
   else if(!HbParseU64(HbGet(keys, vals, n, "type"), type) || type > 8)
      why = "type";
   else if(!HbParseDec(HbGet(keys, vals, n, "volume"), volume) || volume < 0)
      why = "volume";
   else if(!HbParseDec(HbGet(keys, vals, n, "price"), price) || price < 0)
      why = "price";
   else if(!HbParseDec(HbGet(keys, vals, n, "stoplimit"), stoplimit) ||
           stoplimit < 0)
      why = "stoplimit";
   else if(!HbParseDec(HbGet(keys, vals, n, "sl"), sl) ||
           (sl < 0 && sl != HB_KEEP_PRICE))
      why = "sl";
   else if(!HbParseDec(HbGet(keys, vals, n, "tp"), tp) ||
           (tp < 0 && tp != HB_KEEP_PRICE))
      why = "tp";
   else if(!HbParseU64(HbGet(keys, vals, n, "deviation"), deviation))
      why = "deviation";
   else if(!HbParseU64(HbGet(keys, vals, n, "type_time"), type_time) ||
           (type_time > 3 && type_time != HB_KEEP_TIME))
      why = "type_time";
   else if(!HbParseI64(HbGet(keys, vals, n, "expiration"), expiration))
      why = "expiration";
   else if(!HbParseU64(HbGet(keys, vals, n, "position"), position))
      why = "position";
   else if(!HbParseU64(HbGet(keys, vals, n, "position_by"), position_by))
      why = "position_by";
   else if(!HbParseU64(HbGet(keys, vals, n, "order"), order))
      why = "order";
   else if(StringLen(HbGet(keys, vals, n, "symbol")) > 31)
      why = "symbol";
   else if(action != TRADE_ACTION_DEAL && action != TRADE_ACTION_PENDING &&
           action != TRADE_ACTION_SLTP && action != TRADE_ACTION_MODIFY &&
           action != TRADE_ACTION_REMOVE && action != TRADE_ACTION_CLOSE_BY)
      why = "action";
   // "Keep the order's own" exists only in a modify; "keep the
   // position's own" only in an SL/TP change.
   else if(action != TRADE_ACTION_MODIFY && type_time == HB_KEEP_TIME)
      why = "type_time";
   else if(action != TRADE_ACTION_MODIFY && action != TRADE_ACTION_SLTP &&
           (sl < 0 || tp < 0))
      why = "sl or tp";
   if(why != "")
      return false;
   ZeroMemory(rq);
   rq.action = (ENUM_TRADE_REQUEST_ACTIONS)action;
   rq.symbol = HbGet(keys, vals, n, "symbol");
   rq.type = (ENUM_ORDER_TYPE)type;
   rq.volume = volume;
   rq.price = price;
   rq.stoplimit = stoplimit;
   rq.sl = sl;
   rq.tp = tp;
   rq.deviation = deviation;
   bool keep_time = type_time == HB_KEEP_TIME;
   rq.type_time = keep_time ? ORDER_TIME_GTC : (ENUM_ORDER_TYPE_TIME)type_time;
   rq.expiration = (datetime)expiration;
   rq.position = position;
   rq.position_by = position_by;
   rq.order = order;
   if(rq.action == TRADE_ACTION_MODIFY && OrderSelect(order))
      HbKeepOrder(rq, keep_time);
   if(rq.action == TRADE_ACTION_SLTP && PositionSelectByTicket(position))
      HbKeepPosition(rq);
   return true;
  }

bool HbTradeAllowed()
  {
   return TerminalInfoInteger(TERMINAL_TRADE_ALLOWED) != 0 &&
          MQLInfoInteger(MQL_TRADE_ALLOWED) != 0;
  }

// FOK if the symbol allows it, else IOC, else RETURN; pending orders
// rest in the book, where RETURN is always allowed.
ENUM_ORDER_TYPE_FILLING HbFilling(const MqlTradeRequest &rq)
  {
   if(rq.action == TRADE_ACTION_PENDING)
      return ORDER_FILLING_RETURN;
   long modes = SymbolInfoInteger(rq.symbol, SYMBOL_FILLING_MODE);
   if((modes & SYMBOL_FILLING_FOK) != 0)
      return ORDER_FILLING_FOK;
   if((modes & SYMBOL_FILLING_IOC) != 0)
      return ORDER_FILLING_IOC;
   return ORDER_FILLING_RETURN;
  }

// What heraldd leaves to the terminal (BRIDGE-PROTOCOL.md, heraldd's
// Amendment 1): a close or SL/TP change names only the position, a
// modify or remove only the order; prices come with 8 decimals and a
// market order with deviation 0.  False, with res set, if the position
// is gone.
bool HbComplete(MqlTradeRequest &rq, ulong deviation, MqlTradeResult &res)
  {
   bool by_position = rq.action == TRADE_ACTION_DEAL || rq.action == TRADE_ACTION_SLTP;
   if(rq.position != 0 && by_position)
     {
      if(!PositionSelectByTicket(rq.position))
        {
         res.retcode = TRADE_RETCODE_POSITION_CLOSED;
         res.comment = "position " + HbU64Str(rq.position) + " not found";
         return false;
        }
      if(StringLen(rq.symbol) == 0)
         rq.symbol = PositionGetString(POSITION_SYMBOL);
      if(rq.action == TRADE_ACTION_DEAL)
        {
         bool buy = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY;
         rq.type = buy ? ORDER_TYPE_SELL : ORDER_TYPE_BUY;
         if(rq.volume == 0)
            rq.volume = PositionGetDouble(POSITION_VOLUME);
        }
     }
   bool by_order = rq.action == TRADE_ACTION_MODIFY || rq.action == TRADE_ACTION_REMOVE;
   if(rq.order != 0 && by_order && StringLen(rq.symbol) == 0 && OrderSelect(rq.order))
     {
      rq.symbol = OrderGetString(ORDER_SYMBOL);
      if(rq.action == TRADE_ACTION_MODIFY)
         rq.type = (ENUM_ORDER_TYPE)OrderGetInteger(ORDER_TYPE);
     }
   if(StringLen(rq.symbol) > 0)
     {
      int d = HbDigits(rq.symbol);
      rq.price = NormalizeDouble(rq.price, d);
      rq.stoplimit = NormalizeDouble(rq.stoplimit, d);
      rq.sl = NormalizeDouble(rq.sl, d);
      rq.tp = NormalizeDouble(rq.tp, d);
     }
   if(rq.deviation == 0)
      rq.deviation = deviation;
   return true;
  }

// Run an authorised request: magic and comment carry cmd, OrderCheck
// first, then OrderSend.  The result is in res.
void HbOrderRun(ulong cmd, ulong magic_base, ulong deviation,
                MqlTradeRequest &rq, MqlTradeResult &res)
  {
   ZeroMemory(res);
   rq.magic = HbMagic(magic_base, cmd);
   rq.comment = HbComment(cmd);
   if(!HbTradeAllowed())
     {
      res.retcode = TRADE_RETCODE_CLIENT_DISABLES_AT;
      res.comment = "autotrading_disabled: switch on AutoTrading";
      return;
     }
   if(!HbComplete(rq, deviation, res))
      return;
   if(StringLen(rq.symbol) > 0)
      SymbolSelect(rq.symbol, true);
   rq.type_filling = HbFilling(rq);
   if(rq.action == TRADE_ACTION_DEAL && rq.price == 0)
     {
      MqlTick tick;
      if(SymbolInfoTick(rq.symbol, tick))
         rq.price = (rq.type == ORDER_TYPE_BUY) ? tick.ask : tick.bid;
     }
   MqlTradeCheckResult chk;
   ZeroMemory(chk);
   if(!OrderCheck(rq, chk) && chk.retcode != 0 && chk.retcode != TRADE_RETCODE_DONE)
     {
      res.retcode = chk.retcode;
      res.comment = chk.comment;
      return;
     }
   ResetLastError();
   if(!OrderSend(rq, res) && res.retcode == 0)
     {
      res.retcode = TRADE_RETCODE_ERROR;
      res.comment = "OrderSend failed: error " + IntegerToString(GetLastError());
     }
  }

// Whether a history entry carries cmd: its comment, or (brokers may
// rewrite comments) its magic on a request the EA made.
bool HbCarries(ulong cmd, ulong magic_base, const string comment, ulong magic,
               bool by_expert)
  {
   if(comment == HbComment(cmd))
      return true;
   return by_expert && magic == HbMagic(magic_base, cmd);
  }

// The journal line of cmd rebuilt from the terminal's history and
// orders, or "" if the terminal has no trace of it.
string HbFromHistory(ulong cmd, ulong magic_base)
  {
   MqlTradeResult r;
   ZeroMemory(r);
   string symbol = "";
   datetime now = TimeCurrent();
   if(HistorySelect(now - HB_HISTORY_DAYS * 86400, now + 86400))
     {
      int nd = HistoryDealsTotal();
      for(int i = 0; i < nd; i++)
        {
         ulong t = HistoryDealGetTicket(i);
         if(t == 0)
            continue;
         bool expert = HistoryDealGetInteger(t, DEAL_REASON) == DEAL_REASON_EXPERT;
         if(!HbCarries(cmd, magic_base, HistoryDealGetString(t, DEAL_COMMENT),
                       (ulong)HistoryDealGetInteger(t, DEAL_MAGIC), expert))
            continue;
         if(r.deal == 0)
           {
            r.deal = t;
            r.order = (ulong)HistoryDealGetInteger(t, DEAL_ORDER);
            r.price = HistoryDealGetDouble(t, DEAL_PRICE);
            symbol = HistoryDealGetString(t, DEAL_SYMBOL);
           }
         r.volume += HistoryDealGetDouble(t, DEAL_VOLUME);
        }
      if(r.deal != 0)
        {
         r.retcode = TRADE_RETCODE_DONE;
         r.comment = "from history";
         return HbLine(cmd, r, HbDigits(symbol));
        }
      int no = HistoryOrdersTotal();
      for(int i = 0; i < no; i++)
        {
         ulong t = HistoryOrderGetTicket(i);
         if(t == 0 || !HbCarries(cmd, magic_base,
                                 HistoryOrderGetString(t, ORDER_COMMENT),
                                 (ulong)HistoryOrderGetInteger(t, ORDER_MAGIC),
                                 true))
            continue;
         r.retcode = TRADE_RETCODE_PLACED;
         r.order = t;
         r.volume = HistoryOrderGetDouble(t, ORDER_VOLUME_INITIAL);
         r.price = HistoryOrderGetDouble(t, ORDER_PRICE_OPEN);
         r.comment = "from history";
         return HbLine(cmd, r, HbDigits(HistoryOrderGetString(t, ORDER_SYMBOL)));
        }
     }
   int na = OrdersTotal();
   for(int i = 0; i < na; i++)
     {
      ulong t = OrderGetTicket(i);
      if(t == 0 || !HbCarries(cmd, magic_base, OrderGetString(ORDER_COMMENT),
                              (ulong)OrderGetInteger(ORDER_MAGIC), true))
         continue;
      r.retcode = TRADE_RETCODE_PLACED;
      r.order = t;
      r.volume = OrderGetDouble(ORDER_VOLUME_INITIAL);
      r.price = OrderGetDouble(ORDER_PRICE_OPEN);
      r.comment = "from orders";
      return HbLine(cmd, r, HbDigits(OrderGetString(ORDER_SYMBOL)));
     }
   return "";
  }

#endif
