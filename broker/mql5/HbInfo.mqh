//+------------------------------------------------------------------+
//| HbInfo.mqh - the answers that only read the terminal: PONG,       |
//| ACCOUNT, SYMBOL, TICK, POSITIONS, ORDERS, DEALS (herald-bridge.7). |
//| Each returns the frame's text; "" means the symbol is unknown.     |
//+------------------------------------------------------------------+
#ifndef HB_INFO_MQH
#define HB_INFO_MQH

#include "HbTrade.mqh"

#define HB_LIST_MAX 32

string HbKV(const string k, const string v)
  {
   return k + "=" + v + "\n";
  }

string HbB(bool b)
  {
   return b ? "1" : "0";
  }

string HbPong(ulong req, const string t)
  {
   return "PONG\n" + HbKV("req", HbU64Str(req)) + HbKV("t", t) +
          HbKV("trade_allowed", HbB(HbTradeAllowed())) +
          HbKV("connected", HbB(TerminalInfoInteger(TERMINAL_CONNECTED) != 0)) +
          HbKV("time", HbI64Str((long)TimeTradeServer()));
  }

string HbAccount(ulong req)
  {
   return "ACCOUNT\n" + HbKV("req", HbU64Str(req)) +
          HbKV("login", HbI64Str(AccountInfoInteger(ACCOUNT_LOGIN))) +
          HbKV("server", HbClean(AccountInfoString(ACCOUNT_SERVER))) +
          HbKV("currency", HbClean(AccountInfoString(ACCOUNT_CURRENCY))) +
          HbKV("balance", DoubleToString(AccountInfoDouble(ACCOUNT_BALANCE), 2)) +
          HbKV("equity", DoubleToString(AccountInfoDouble(ACCOUNT_EQUITY), 2)) +
          HbKV("margin", DoubleToString(AccountInfoDouble(ACCOUNT_MARGIN), 2)) +
          HbKV("margin_free",
               DoubleToString(AccountInfoDouble(ACCOUNT_MARGIN_FREE), 2)) +
          HbKV("margin_level",
               DoubleToString(AccountInfoDouble(ACCOUNT_MARGIN_LEVEL), 2)) +
          HbKV("leverage", HbI64Str(AccountInfoInteger(ACCOUNT_LEVERAGE))) +
          HbKV("margin_mode", HbI64Str(AccountInfoInteger(ACCOUNT_MARGIN_MODE))) +
          HbKV("trade_allowed",
               HbB(AccountInfoInteger(ACCOUNT_TRADE_ALLOWED) != 0 &&
                   AccountInfoInteger(ACCOUNT_TRADE_EXPERT) != 0));
  }

// Whether one of today's trade sessions of name (seconds of the day,
// SymbolInfoSessionTrade) holds the trade server's time now: a symbol
// in full trade mode still refuses orders at night and at weekends.
bool HbSessionOpen(const string name)
  {
   MqlDateTime t;
   ZeroMemory(t);
   if(!TimeToStruct(TimeTradeServer(), t))
      return false;
   datetime now = (datetime)(t.hour * 3600 + t.min * 60 + t.sec);
   datetime from = 0, to = 0;
   for(uint i = 0;
       SymbolInfoSessionTrade(name, (ENUM_DAY_OF_WEEK)t.day_of_week, i, from, to);
       i++)
      if(now >= from && now < to)
         return true;
   return false;
  }

string HbSymbol(ulong req, const string name)
  {
   if(!SymbolSelect(name, true))
      return "";
   int d = HbDigits(name);
   MqlTick tick;
   ZeroMemory(tick);
   SymbolInfoTick(name, tick);
   return "SYMBOL\n" + HbKV("req", HbU64Str(req)) + HbKV("name", name) +
          HbKV("digits", IntegerToString(d)) +
          HbKV("point", DoubleToString(SymbolInfoDouble(name, SYMBOL_POINT), d)) +
          HbKV("contract_size",
               DoubleToString(SymbolInfoDouble(name, SYMBOL_TRADE_CONTRACT_SIZE), 2)) +
          HbKV("volume_min", HbVolume(SymbolInfoDouble(name, SYMBOL_VOLUME_MIN))) +
          HbKV("volume_max", HbVolume(SymbolInfoDouble(name, SYMBOL_VOLUME_MAX))) +
          HbKV("volume_step", HbVolume(SymbolInfoDouble(name, SYMBOL_VOLUME_STEP))) +
          HbKV("stops_level",
               HbI64Str(SymbolInfoInteger(name, SYMBOL_TRADE_STOPS_LEVEL))) +
          HbKV("freeze_level",
               HbI64Str(SymbolInfoInteger(name, SYMBOL_TRADE_FREEZE_LEVEL))) +
          HbKV("filling", HbI64Str(SymbolInfoInteger(name, SYMBOL_FILLING_MODE))) +
          HbKV("exemode", HbI64Str(SymbolInfoInteger(name, SYMBOL_TRADE_EXEMODE))) +
          HbKV("trade_mode", HbI64Str(SymbolInfoInteger(name, SYMBOL_TRADE_MODE))) +
          HbKV("session_open", HbB(HbSessionOpen(name))) +
          HbKV("calc_mode",
               HbI64Str(SymbolInfoInteger(name, SYMBOL_TRADE_CALC_MODE))) +
          HbKV("currency_base", HbClean(SymbolInfoString(name, SYMBOL_CURRENCY_BASE))) +
          HbKV("currency_profit",
               HbClean(SymbolInfoString(name, SYMBOL_CURRENCY_PROFIT))) +
          HbKV("currency_margin",
               HbClean(SymbolInfoString(name, SYMBOL_CURRENCY_MARGIN))) +
          HbKV("margin_initial",
               DoubleToString(SymbolInfoDouble(name, SYMBOL_MARGIN_INITIAL), 2)) +
          HbKV("margin_hedged",
               DoubleToString(SymbolInfoDouble(name, SYMBOL_MARGIN_HEDGED), 2)) +
          HbKV("bid", HbPrice(tick.bid, d)) + HbKV("ask", HbPrice(tick.ask, d)) +
          HbKV("time_msc", HbI64Str(tick.time_msc));
  }

string HbTick(ulong req, const string name)
  {
   MqlTick tick;
   ZeroMemory(tick);
   if(!SymbolSelect(name, true) || !SymbolInfoTick(name, tick))
      return "";
   int d = HbDigits(name);
   return "TICK\n" + HbKV("req", HbU64Str(req)) + HbKV("name", name) +
          HbKV("bid", HbPrice(tick.bid, d)) + HbKV("ask", HbPrice(tick.ask, d)) +
          HbKV("last", HbPrice(tick.last, d)) +
          HbKV("time_msc", HbI64Str(tick.time_msc));
  }

// Items from..from+count-1 of a list of total, HB_LIST_MAX at most.
int HbPage(int total, ulong from, bool &more)
  {
   if(from >= (ulong)total)
     {
      more = false;
      return 0;
     }
   int count = total - (int)from;
   if(count > HB_LIST_MAX)
      count = HB_LIST_MAX;
   more = (int)from + count < total;
   return count;
  }

string HbPositions(ulong req, ulong from)
  {
   bool more = false;
   int count = HbPage(PositionsTotal(), from, more);
   string body = "";
   for(int k = 0; k < count; k++)
     {
      ulong t = PositionGetTicket((int)from + k);
      string s = PositionGetString(POSITION_SYMBOL);
      int d = HbDigits(s);
      string i = "." + IntegerToString(k);
      body += HbKV("ticket" + i, HbU64Str(t)) + HbKV("symbol" + i, s) +
              HbKV("type" + i, HbI64Str(PositionGetInteger(POSITION_TYPE))) +
              HbKV("volume" + i, HbVolume(PositionGetDouble(POSITION_VOLUME))) +
              HbKV("price_open" + i, HbPrice(PositionGetDouble(POSITION_PRICE_OPEN), d)) +
              HbKV("price_current" + i,
                   HbPrice(PositionGetDouble(POSITION_PRICE_CURRENT), d)) +
              HbKV("sl" + i, HbPrice(PositionGetDouble(POSITION_SL), d)) +
              HbKV("tp" + i, HbPrice(PositionGetDouble(POSITION_TP), d)) +
              HbKV("profit" + i, DoubleToString(PositionGetDouble(POSITION_PROFIT), 2)) +
              HbKV("swap" + i, DoubleToString(PositionGetDouble(POSITION_SWAP), 2)) +
              HbKV("magic" + i, HbU64Str((ulong)PositionGetInteger(POSITION_MAGIC))) +
              HbKV("time_msc" + i, HbI64Str(PositionGetInteger(POSITION_TIME_MSC))) +
              HbKV("comment" + i, HbClean(PositionGetString(POSITION_COMMENT)));
     }
   return "POSITIONS\n" + HbKV("req", HbU64Str(req)) +
          HbKV("count", IntegerToString(count)) + HbKV("more", HbB(more)) + body;
  }

string HbOrders(ulong req, ulong from)
  {
   bool more = false;
   int count = HbPage(OrdersTotal(), from, more);
   string body = "";
   for(int k = 0; k < count; k++)
     {
      ulong t = OrderGetTicket((int)from + k);
      string s = OrderGetString(ORDER_SYMBOL);
      int d = HbDigits(s);
      string i = "." + IntegerToString(k);
      body += HbKV("ticket" + i, HbU64Str(t)) + HbKV("symbol" + i, s) +
              HbKV("type" + i, HbI64Str(OrderGetInteger(ORDER_TYPE))) +
              HbKV("volume_initial" + i, HbVolume(OrderGetDouble(ORDER_VOLUME_INITIAL))) +
              HbKV("volume_current" + i, HbVolume(OrderGetDouble(ORDER_VOLUME_CURRENT))) +
              HbKV("price_open" + i, HbPrice(OrderGetDouble(ORDER_PRICE_OPEN), d)) +
              HbKV("price_stoplimit" + i,
                   HbPrice(OrderGetDouble(ORDER_PRICE_STOPLIMIT), d)) +
              HbKV("sl" + i, HbPrice(OrderGetDouble(ORDER_SL), d)) +
              HbKV("tp" + i, HbPrice(OrderGetDouble(ORDER_TP), d)) +
              HbKV("type_time" + i, HbI64Str(OrderGetInteger(ORDER_TYPE_TIME))) +
              HbKV("expiration" + i, HbI64Str(OrderGetInteger(ORDER_TIME_EXPIRATION))) +
              HbKV("magic" + i, HbU64Str((ulong)OrderGetInteger(ORDER_MAGIC))) +
              HbKV("time_setup_msc" + i, HbI64Str(OrderGetInteger(ORDER_TIME_SETUP_MSC))) +
              HbKV("comment" + i, HbClean(OrderGetString(ORDER_COMMENT)));
     }
   return "ORDERS\n" + HbKV("req", HbU64Str(req)) +
          HbKV("count", IntegerToString(count)) + HbKV("more", HbB(more)) + body;
  }

// Deal t's lines, each key followed by sfx: "" in an EVENT, ".N" as
// item N of a DEALS answer.
string HbDealLines(ulong t, const string sfx)
  {
   string s = HistoryDealGetString(t, DEAL_SYMBOL);
   int d = HbDigits(s);
   return HbKV("ticket" + sfx, HbU64Str(t)) + HbKV("symbol" + sfx, s) +
          HbKV("type" + sfx, HbI64Str(HistoryDealGetInteger(t, DEAL_TYPE))) +
          HbKV("volume" + sfx, HbVolume(HistoryDealGetDouble(t, DEAL_VOLUME))) +
          HbKV("price" + sfx, HbPrice(HistoryDealGetDouble(t, DEAL_PRICE), d)) +
          HbKV("profit" + sfx, DoubleToString(HistoryDealGetDouble(t, DEAL_PROFIT), 2)) +
          HbKV("reason" + sfx, HbI64Str(HistoryDealGetInteger(t, DEAL_REASON))) +
          HbKV("magic" + sfx, HbU64Str((ulong)HistoryDealGetInteger(t, DEAL_MAGIC))) +
          HbKV("time_msc" + sfx, HbI64Str(HistoryDealGetInteger(t, DEAL_TIME_MSC))) +
          HbKV("order" + sfx, HbU64Str((ulong)HistoryDealGetInteger(t, DEAL_ORDER))) +
          HbKV("position" + sfx,
               HbU64Str((ulong)HistoryDealGetInteger(t, DEAL_POSITION_ID))) +
          HbKV("entry" + sfx, HbI64Str(HistoryDealGetInteger(t, DEAL_ENTRY))) +
          HbKV("commission" + sfx,
               DoubleToString(HistoryDealGetDouble(t, DEAL_COMMISSION), 2)) +
          HbKV("swap" + sfx, DoubleToString(HistoryDealGetDouble(t, DEAL_SWAP), 2));
  }

// The deals of the history from since (ms) on whose ticket is above
// after, the HB_LIST_MAX lowest tickets of them: what the terminal did
// while heraldd did not hear of it (an SL hit while the EA was away).
// pick keeps the lowest HB_LIST_MAX + 1 in order; one more says more=1.
string HbDeals(ulong req, ulong after, long since)
  {
   ulong pick[];
   int n = 0;
   ArrayResize(pick, HB_LIST_MAX + 1);
   datetime now = TimeCurrent();
   if(HistorySelect((datetime)(since / 1000), now + 86400))
     {
      int total = HistoryDealsTotal();
      for(int i = 0; i < total; i++)
        {
         ulong t = HistoryDealGetTicket(i);
         if(t <= after)
            continue;
         if(n <= HB_LIST_MAX)
            n++;
         else if(t >= pick[HB_LIST_MAX])
            continue;
         int k = n - 1;
         while(k > 0 && pick[k - 1] > t)
           {
            pick[k] = pick[k - 1];
            k--;
           }
         pick[k] = t;
        }
     }
   bool more = n > HB_LIST_MAX;
   if(more)
      n = HB_LIST_MAX;
   string body = "";
   for(int j = 0; j < n; j++)
      body += HbDealLines(pick[j], "." + IntegerToString(j));
   return "DEALS\n" + HbKV("req", HbU64Str(req)) +
          HbKV("count", IntegerToString(n)) + HbKV("more", HbB(more)) + body;
  }

#endif
