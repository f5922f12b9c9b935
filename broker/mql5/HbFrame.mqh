//+------------------------------------------------------------------+
//| HbFrame.mqh - the bridge's framing and key=value codec, as         |
//| /work/plan/BRIDGE-PROTOCOL.md and herald-bridge.7 define them:     |
//|   frame   = len (4, big-endian) || payload                         |
//|   payload = seq (8, big-endian) || text || mac (16, after READY)   |
//|   mac     = HMAC-SHA256(S, len || seq || text)[0..15]              |
//| Everything here is strict: a frame is taken whole or refused with  |
//| a reason; the caller then closes the connection.                   |
//+------------------------------------------------------------------+
#ifndef HB_FRAME_MQH
#define HB_FRAME_MQH

#include "HbCrypto.mqh"

#define HB_MAX_FRAME  65536
#define HB_MAC_LEN    16
#define HB_MAX_PAIRS  64
#define HB_MAX_KEY    32
#define HB_MAX_VALUE  255

//--- numbers -------------------------------------------------------

string HbU64Str(ulong v)
  {
   if(v == 0)
      return "0";
   string s = "";
   while(v > 0)
     {
      s = ShortToString((ushort)('0' + (int)(v % 10))) + s;
      v /= 10;
     }
   return s;
  }

string HbI64Str(long v)
  {
   if(v < 0)
      return "-" + HbU64Str((ulong)(-(v + 1)) + 1);
   return HbU64Str((ulong)v);
  }

// u64: digits, no sign, no leading zero (except "0"), <= 20 digits.
bool HbParseU64(const string s, ulong &v)
  {
   int n = StringLen(s);
   if(n < 1 || n > 20)
      return false;
   if(n > 1 && StringGetCharacter(s, 0) == '0')
      return false;
   ulong acc = 0;
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(s, i);
      if(c < '0' || c > '9')
         return false;
      ulong d = (ulong)(c - '0');
      if(acc > (ULONG_MAX - d) / 10)
         return false;
      acc = acc * 10 + d;
     }
   v = acc;
   return true;
  }

bool HbParseI64(const string s, long &v)
  {
   bool neg = StringLen(s) > 0 && StringGetCharacter(s, 0) == '-';
   ulong u = 0;
   if(!HbParseU64(neg ? StringSubstr(s, 1) : s, u))
      return false;
   if(neg)
     {
      if(u > (ulong)LONG_MAX + 1)
         return false;
      v = (u == (ulong)LONG_MAX + 1) ? LONG_MIN : -(long)u;
      return true;
     }
   if(u > (ulong)LONG_MAX)
      return false;
   v = (long)u;
   return true;
  }

// dec: optional '-', digits, optional '.' and 1..10 digits, <= 32 chars.
bool HbParseDec(const string s, double &v)
  {
   int n = StringLen(s);
   if(n < 1 || n > 32)
      return false;
   int i = 0;
   if(StringGetCharacter(s, 0) == '-')
      i = 1;
   int intdigits = 0, fracdigits = 0;
   bool dot = false;
   for(; i < n; i++)
     {
      ushort c = StringGetCharacter(s, i);
      if(c == '.')
        {
         if(dot || intdigits == 0)
            return false;
         dot = true;
         continue;
        }
      if(c < '0' || c > '9')
         return false;
      if(dot)
         fracdigits++;
      else
         intdigits++;
     }
   if(intdigits == 0 || (dot && (fracdigits < 1 || fracdigits > 10)))
      return false;
   v = StringToDouble(s);
   return true;
  }

//--- frames ----------------------------------------------------------

void HbPutBE(uchar &b[], int at, ulong v, int width)
  {
   for(int i = width - 1; i >= 0; i--)
     {
      b[at + i] = (uchar)(v & 0xff);
      v >>= 8;
     }
  }

ulong HbGetBE(const uchar &b[], int at, int width)
  {
   ulong v = 0;
   for(int i = 0; i < width; i++)
      v = (v << 8) | b[at + i];
   return v;
  }

// A whole frame for text, MACed with key when mac is set.
void HbFrameBuild(ulong seq, const string text, bool mac, const uchar &key[],
                  uchar &out[])
  {
   int tlen = StringLen(text);
   int len = 8 + tlen + (mac ? HB_MAC_LEN : 0);
   ArrayResize(out, 4 + 8);
   HbPutBE(out, 0, (ulong)len, 4);
   HbPutBE(out, 4, seq, 8);
   HbAppendStr(out, text);
   if(mac)
     {
      uchar tag[];
      HbHmac(key, out, 4 + 8 + tlen, tag);
      HbAppend(out, tag, HB_MAC_LEN);
     }
  }

bool HbTextByte(uchar c)
  {
   return c == '\n' || (c >= 0x20 && c <= 0x7e);
  }

// Take one frame from buf[0..have-1]: 1 with used and text set, 0 if
// more bytes are needed, -1 if it is refused (why says which rule).
int HbFrameTake(const uchar &buf[], int have, bool mac, const uchar &key[],
                ulong expect_seq, int &used, string &text, string &why)
  {
   if(have < 4)
      return 0;
   ulong len = HbGetBE(buf, 0, 4);
   int minlen = 8 + 1 + (mac ? HB_MAC_LEN : 0);
   if(len < (ulong)minlen || len > HB_MAX_FRAME)
     {
      why = "frame length " + HbU64Str(len) + " out of range";
      return -1;
     }
   if(have < 4 + (int)len)
      return 0;
   int tlen = (int)len - 8 - (mac ? HB_MAC_LEN : 0);
   if(mac)
     {
      uchar tag[];
      if(!HbHmac(key, buf, 4 + 8 + tlen, tag) ||
         !HbEqual(tag, 0, buf, 4 + 8 + tlen, HB_MAC_LEN))
        {
         why = "bad MAC";
         return -1;
        }
     }
   ulong seq = HbGetBE(buf, 4, 8);
   if(seq != expect_seq)
     {
      why = "sequence " + HbU64Str(seq) + " where " + HbU64Str(expect_seq) +
            " was due (replayed or lost frame)";
      return -1;
     }
   for(int i = 0; i < tlen; i++)
      if(!HbTextByte(buf[12 + i]))
        {
         why = "byte " + IntegerToString(buf[12 + i]) + " in the text";
         return -1;
        }
   text = CharArrayToString(buf, 12, tlen);
   used = 4 + (int)len;
   return 1;
  }

//--- text: TYPE line, then key=value lines ---------------------------

bool HbKeyOk(const string k)
  {
   int n = StringLen(k);
   int dot = StringFind(k, ".");
   int base = dot < 0 ? n : dot;
   if(base < 1 || base > HB_MAX_KEY)
      return false;
   for(int i = 0; i < base; i++)
     {
      ushort c = StringGetCharacter(k, i);
      bool lower = c >= 'a' && c <= 'z';
      if(!lower && (i == 0 || !((c >= '0' && c <= '9') || c == '_')))
         return false;
     }
   if(dot < 0)
      return true;
   ulong idx = 0;
   return HbParseU64(StringSubstr(k, dot + 1), idx) && idx < 1000;
  }

bool HbTypeOk(const string t)
  {
   int n = StringLen(t);
   if(n < 1 || n > HB_MAX_KEY)
      return false;
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(t, i);
      if(!((c >= 'A' && c <= 'Z') || c == '_'))
         return false;
     }
   return true;
  }

// The pairs of a text; their count, or -1 with why.
int HbTextParse(const string text, string &type, string &keys[],
                string &vals[], string &why)
  {
   int n = StringLen(text);
   if(n < 2 || StringGetCharacter(text, n - 1) != '\n')
     {
      why = "text does not end with a newline";
      return -1;
     }
   int eol = StringFind(text, "\n");
   type = StringSubstr(text, 0, eol);
   if(!HbTypeOk(type))
     {
      why = "malformed type line";
      return -1;
     }
   int count = 0;
   ArrayResize(keys, 0);
   ArrayResize(vals, 0);
   int at = eol + 1;
   while(at < n)
     {
      int end = StringFind(text, "\n", at);
      string line = StringSubstr(text, at, end - at);
      at = end + 1;
      int eq = StringFind(line, "=");
      if(eq < 0)
        {
         why = "line without '='";
         return -1;
        }
      string k = StringSubstr(line, 0, eq);
      string v = StringSubstr(line, eq + 1);
      if(!HbKeyOk(k))
        {
         why = "malformed key '" + k + "'";
         return -1;
        }
      if(StringLen(v) > HB_MAX_VALUE)
        {
         why = "value of " + k + " longer than 255 bytes";
         return -1;
        }
      for(int i = 0; i < count; i++)
         if(keys[i] == k)
           {
            why = "key " + k + " twice";
            return -1;
           }
      if(count == HB_MAX_PAIRS)
        {
         why = "too many keys";
         return -1;
        }
      ArrayResize(keys, count + 1);
      ArrayResize(vals, count + 1);
      keys[count] = k;
      vals[count] = v;
      count++;
     }
   return count;
  }

// The keys are exactly those of the comma-separated list (in its order
// when ordered is set); why names the first one missing or unknown.
bool HbKeysAre(const string &keys[], int n, const string list, bool ordered,
               string &why)
  {
   string want[];
   int m = StringSplit(list, ',', want);
   for(int i = 0; i < n; i++)
     {
      bool known = false;
      for(int j = 0; j < m; j++)
         if(keys[i] == want[j])
            known = true;
      if(!known)
        {
         why = "unknown key " + keys[i];
         return false;
        }
     }
   for(int j = 0; j < m; j++)
     {
      bool found = false;
      for(int i = 0; i < n; i++)
         if(keys[i] == want[j])
            found = true;
      if(!found)
        {
         why = "missing key " + want[j];
         return false;
        }
     }
   if(ordered)
      for(int i = 0; i < n; i++)
         if(keys[i] != want[i])
           {
            why = "key " + keys[i] + " out of order";
            return false;
           }
   return true;
  }

string HbGet(const string &keys[], const string &vals[], int n, const string k)
  {
   for(int i = 0; i < n; i++)
      if(keys[i] == k)
         return vals[i];
   return "";
  }

#endif
