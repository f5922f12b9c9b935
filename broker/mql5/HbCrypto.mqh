//+------------------------------------------------------------------+
//| HbCrypto.mqh - HMAC-SHA256 for HeraldBridge, built on MQL5's only |
//| hash primitive, CryptEncode(CRYPT_HASH_SHA256).  No DLL imports.   |
//| Written in the subset herald-mt5sim translates (herald-bridge.7).  |
//+------------------------------------------------------------------+
#ifndef HB_CRYPTO_MQH
#define HB_CRYPTO_MQH

#define HB_SHA256_LEN 32
#define HB_BLOCK      64

// SHA-256 of data[0..n-1] into out[32]; false if the terminal refused.
bool HbSha256(const uchar &data[], int n, uchar &out[])
  {
   uchar in[];
   uchar nokey[];
   ArrayResize(in, n);
   for(int i = 0; i < n; i++)
      in[i] = data[i];
   ArrayResize(nokey, 0);
   int got = CryptEncode(CRYPT_HASH_SHA256, in, nokey, out);
   return got == HB_SHA256_LEN;
  }

// The bytes of an ASCII string, without MQL5's terminating zero.
void HbBytes(const string s, uchar &out[])
  {
   int n = StringLen(s);
   ArrayResize(out, n);
   for(int i = 0; i < n; i++)
      out[i] = (uchar)StringGetCharacter(s, i);
  }

// Append src[0..n-1] to dst.
void HbAppend(uchar &dst[], const uchar &src[], int n)
  {
   int at = ArraySize(dst);
   ArrayResize(dst, at + n);
   for(int i = 0; i < n; i++)
      dst[at + i] = src[i];
  }

void HbAppendStr(uchar &dst[], const string s)
  {
   uchar b[];
   HbBytes(s, b);
   HbAppend(dst, b, ArraySize(b));
  }

// HMAC-SHA256 (RFC 2104) of msg[0..n-1] under key into out[32].
bool HbHmac(const uchar &key[], const uchar &msg[], int n, uchar &out[])
  {
   uchar k[];
   int klen = ArraySize(key);
   if(klen > HB_BLOCK)
     {
      if(!HbSha256(key, klen, k))
         return false;
      klen = HB_SHA256_LEN;
     }
   else
     {
      ArrayResize(k, klen);
      for(int i = 0; i < klen; i++)
         k[i] = key[i];
     }
   uchar inner[];
   uchar outer[];
   uchar ih[];
   ArrayResize(inner, HB_BLOCK);
   ArrayResize(outer, HB_BLOCK);
   for(int i = 0; i < HB_BLOCK; i++)
     {
      uchar b = 0;
      if(i < klen)
         b = k[i];
      inner[i] = (uchar)(b ^ 0x36);
      outer[i] = (uchar)(b ^ 0x5c);
     }
   HbAppend(inner, msg, n);
   if(!HbSha256(inner, ArraySize(inner), ih))
      return false;
   HbAppend(outer, ih, HB_SHA256_LEN);
   return HbSha256(outer, ArraySize(outer), out);
  }

// HMAC(key, label || a || b): the handshake's derivations and tags.
bool HbDerive(const uchar &key[], const string label, const uchar &a[],
              const uchar &b[], uchar &out[])
  {
   uchar msg[];
   HbBytes(label, msg);
   HbAppend(msg, a, ArraySize(a));
   HbAppend(msg, b, ArraySize(b));
   return HbHmac(key, msg, ArraySize(msg), out);
  }

// Equal in time independent of where they differ (tags, MACs).
bool HbEqual(const uchar &a[], int aoff, const uchar &b[], int boff, int n)
  {
   int diff = 0;
   for(int i = 0; i < n; i++)
      diff |= (a[aoff + i] ^ b[boff + i]);
   return diff == 0;
  }

string HbHex(const uchar &b[], int n)
  {
   string digits = "0123456789abcdef";
   string s = "";
   for(int i = 0; i < n; i++)
     {
      s += StringSubstr(digits, b[i] >> 4, 1);
      s += StringSubstr(digits, b[i] & 15, 1);
     }
   return s;
  }

int HbHexDigit(ushort c)
  {
   if(c >= '0' && c <= '9')
      return c - '0';
   if(c >= 'a' && c <= 'f')
      return c - 'a' + 10;
   return -1;
  }

// Exactly 2*n lower-case hex digits into out[n]; false otherwise.
bool HbUnhex(const string s, int n, uchar &out[])
  {
   if(StringLen(s) != 2 * n)
      return false;
   ArrayResize(out, n);
   for(int i = 0; i < n; i++)
     {
      int hi = HbHexDigit(StringGetCharacter(s, 2 * i));
      int lo = HbHexDigit(StringGetCharacter(s, 2 * i + 1));
      if(hi < 0 || lo < 0)
         return false;
      out[i] = (uchar)(hi * 16 + lo);
     }
   return true;
  }

#endif
