//+------------------------------------------------------------------+
//| HbJournal.mqh - the EA's own journal: command id -> result, in    |
//| the terminal's Files folder (herald_journal_<login>.txt), one line |
//| per result, flushed before the RESULT goes out.  A repeated        |
//| ORDER_SEND or a QUERY is answered from it, also after a restart.   |
//| Line: cmd|retcode|deal|order|volume|price|bid|ask|comment          |
//| (comment last: it may hold '|').  A torn last line is skipped: its |
//| RESULT was never sent, so the broker QUERYs and history answers.   |
//+------------------------------------------------------------------+
#ifndef HB_JOURNAL_MQH
#define HB_JOURNAL_MQH

#include "HbFrame.mqh"

ulong  g_jcmd[];
string g_jline[];
int    g_jcount = 0;
int    g_jfile = INVALID_HANDLE;

string HbJournalName(long login)
  {
   return "herald_journal_" + HbI64Str(login) + ".txt";
  }

// The fields of a journal line after the cmd; false if it is torn.
bool HbJournalSplit(const string line, ulong &cmd, string &fields[])
  {
   ArrayResize(fields, 9);
   int at = 0;
   for(int i = 0; i < 8; i++)
     {
      int bar = StringFind(line, "|", at);
      if(bar < 0)
         return false;
      fields[i] = StringSubstr(line, at, bar - at);
      at = bar + 1;
     }
   fields[8] = StringSubstr(line, at);
   ulong u = 0;
   double d = 0;
   for(int i = 0; i < 4; i++)
      if(!HbParseU64(fields[i], u))
         return false;
   for(int i = 4; i < 8; i++)
      if(!HbParseDec(fields[i], d))
         return false;
   return HbParseU64(fields[0], cmd) && cmd > 0;
  }

void HbJournalRemember(ulong cmd, const string line)
  {
   ArrayResize(g_jcmd, g_jcount + 1);
   ArrayResize(g_jline, g_jcount + 1);
   g_jcmd[g_jcount] = cmd;
   g_jline[g_jcount] = line;
   g_jcount++;
  }

// Open (creating) and read the journal; false if the file cannot be
// opened, in which case no order is executed (never twice).
bool HbJournalOpen(long login)
  {
   g_jcount = 0;
   ArrayResize(g_jcmd, 0);
   ArrayResize(g_jline, 0);
   string name = HbJournalName(login);
   g_jfile = FileOpen(name, FILE_READ | FILE_WRITE | FILE_TXT | FILE_ANSI |
                      FILE_SHARE_READ);
   if(g_jfile == INVALID_HANDLE)
     {
      Print("HeraldBridge: cannot open the journal ", name, ": error ",
            GetLastError());
      return false;
     }
   int torn = 0;
   while(!FileIsEnding(g_jfile))
     {
      string line = FileReadString(g_jfile);
      if(StringLen(line) == 0)
         continue;
      ulong cmd = 0;
      string f[];
      if(HbJournalSplit(line, cmd, f))
         HbJournalRemember(cmd, line);
      else
         torn++;
     }
   FileSeek(g_jfile, 0, SEEK_END);
   Print("HeraldBridge: journal ", name, ": ", g_jcount, " results",
         (torn > 0 ? ", torn lines skipped: " + IntegerToString(torn) : ""));
   return true;
  }

void HbJournalClose()
  {
   if(g_jfile != INVALID_HANDLE)
      FileClose(g_jfile);
   g_jfile = INVALID_HANDLE;
  }

// The stored line of cmd, or "" (newest wins; a cmd is stored once).
string HbJournalFind(ulong cmd)
  {
   for(int i = g_jcount - 1; i >= 0; i--)
      if(g_jcmd[i] == cmd)
         return g_jline[i];
   return "";
  }

// Store a result line durably; false if it could not be written.
bool HbJournalAppend(ulong cmd, const string line)
  {
   if(g_jfile == INVALID_HANDLE)
      return false;
   if(FileWriteString(g_jfile, line + "\n") <= 0)
      return false;
   FileFlush(g_jfile);
   HbJournalRemember(cmd, line);
   return true;
  }

// The retcodes that mean "not executed, safe to retry" or "outcome
// unknown": never journaled (BRIDGE-PROTOCOL.md, RESULT).
bool HbJournalable(uint retcode)
  {
   switch(retcode)
     {
      case TRADE_RETCODE_REQUOTE:
      case TRADE_RETCODE_PRICE_CHANGED:
      case TRADE_RETCODE_PRICE_OFF:
      case TRADE_RETCODE_TOO_MANY_REQUESTS:
      case TRADE_RETCODE_SERVER_DISABLES_AT:
      case TRADE_RETCODE_CLIENT_DISABLES_AT:
      case TRADE_RETCODE_ERROR:
      case TRADE_RETCODE_TIMEOUT:
      case TRADE_RETCODE_CONNECTION:
         return false;
     }
   return true;
  }

#endif
