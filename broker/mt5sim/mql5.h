/*
 * mql5.h - the part of MQL5 that HeraldBridge.mq5 uses, as C++, so that
 * the EA's own source (translated by mql2cpp.sed) builds into
 * herald-mt5sim and into the frame-parser fuzzer.  Values, strings,
 * dynamic arrays, hashing and the enum constants live here (header
 * only: the fuzzer needs nothing else); the terminal's functions
 * (sockets, trading, history, files, timers) are declared here and
 * implemented by terminal.cpp on heraldd's paper engine.
 *
 * Semantics follow the MQL5 reference where the EA depends on them: an
 * array index out of range stops the program (MQL5's critical error),
 * StringSubstr/StringGetCharacter out of range give ""/0, CryptEncode
 * with CRYPT_HASH_SHA256 ignores its key.
 */
#ifndef HERALD_MQL5_H
#define HERALD_MQL5_H

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <openssl/evp.h>

typedef unsigned char	uchar;
typedef unsigned short	ushort;
typedef unsigned int	uint;
typedef unsigned long	ulong;
typedef long		datetime;

/* MQL5's value-type string. */
class string {
public:
	std::string	s;
	string() {}
	string(const char *p) : s(p) {}
	string(const std::string &x) : s(x) {}
	string &operator+=(const string &o) { s += o.s; return *this; }
};

inline string operator+(const string &a, const string &b) { return string(a.s + b.s); }
inline bool operator==(const string &a, const string &b) { return a.s == b.s; }
inline bool operator!=(const string &a, const string &b) { return a.s != b.s; }
inline std::ostream &operator<<(std::ostream &o, const string &x) { return o << x.s; }

/* A dynamic array (T name[] in MQL5). */
template <class T> class MqlArray {
public:
	std::vector<T>	v;
	T &operator[](int i) { return v.at((size_t)i); }
	const T &operator[](int i) const { return v.at((size_t)i); }
};

template <class T> inline int
ArrayResize(MqlArray<T> &a, int n, int reserve = 0)
{
	(void)reserve;
	if (n < 0)
		return -1;
	a.v.resize((size_t)n);
	return n;
}

template <class T> inline int ArraySize(const MqlArray<T> &a) { return (int)a.v.size(); }
template <class T> inline void ArrayFree(MqlArray<T> &a) { a.v.clear(); }
template <class T> inline void ZeroMemory(T &x) { x = T(); }

inline int StringLen(const string &x) { return (int)x.s.size(); }

inline string
StringSubstr(const string &x, int start, int len = -1)
{
	if (start < 0 || (size_t)start >= x.s.size())
		return string();
	return string(x.s.substr((size_t)start, len < 0 ? std::string::npos : (size_t)len));
}

inline int
StringFind(const string &x, const string &what, int start = 0)
{
	if (start < 0 || (size_t)start > x.s.size())
		return -1;
	size_t at = x.s.find(what.s, (size_t)start);
	return at == std::string::npos ? -1 : (int)at;
}

inline ushort
StringGetCharacter(const string &x, int pos)
{
	if (pos < 0 || (size_t)pos >= x.s.size())
		return 0;
	return (uchar)x.s[(size_t)pos];
}

inline string ShortToString(ushort c) { return string(std::string(1, (char)c)); }

inline string
IntegerToString(long v)
{
	return string(std::to_string(v));
}

inline string
DoubleToString(double v, int digits = 8)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.*f", digits < 0 ? 8 : digits, v);
	return string(buf);
}

inline double
NormalizeDouble(double v, int digits)
{
	double f = 1;

	for (int i = 0; i < digits && i < 16; i++)
		f *= 10;
	return (double)llround(v * f) / f;
}

inline double StringToDouble(const string &x) { return strtod(x.s.c_str(), NULL); }

inline int
StringSplit(const string &x, ushort sep, MqlArray<string> &out)
{
	out.v.clear();
	size_t from = 0, at;
	while ((at = x.s.find((char)sep, from)) != std::string::npos) {
		out.v.push_back(string(x.s.substr(from, at - from)));
		from = at + 1;
	}
	out.v.push_back(string(x.s.substr(from)));
	return (int)out.v.size();
}

inline int
StringTrimLeft(string &x)
{
	size_t n = x.s.find_first_not_of(" \t\r\n");
	size_t cut = n == std::string::npos ? x.s.size() : n;
	x.s.erase(0, cut);
	return (int)cut;
}

inline int
StringTrimRight(string &x)
{
	size_t n = x.s.find_last_not_of(" \t\r\n");
	size_t keep = n == std::string::npos ? 0 : n + 1;
	int cut = (int)(x.s.size() - keep);
	x.s.erase(keep);
	return cut;
}

inline bool
StringToLower(string &x)
{
	for (char &c : x.s)
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
	return true;
}

/* Up to count bytes from start, stopping at a NUL, as MQL5 does. */
inline string
CharArrayToString(const MqlArray<uchar> &a, int start = 0, int count = -1, uint cp = 0)
{
	(void)cp;
	std::string out;
	int n = (int)a.v.size();
	for (int i = start; i < n && (count < 0 || i < start + count); i++) {
		if (a.v[(size_t)i] == 0)
			break;
		out += (char)a.v[(size_t)i];
	}
	return string(out);
}

/* Errors, as GetLastError() reports them. */
extern int mql_last_error;
inline int GetLastError() { return mql_last_error; }
inline void ResetLastError() { mql_last_error = 0; }

/* The Experts journal: stderr, one line per Print. */
inline void mql_print_args(std::ostream &) {}
template <class A, class... R> inline void
mql_print_args(std::ostream &o, const A &a, const R &... r)
{
	o << a;
	mql_print_args(o, r...);
}

template <class... A> inline void
Print(const A &... a)
{
	std::ostringstream o;
	o.precision(10);
	mql_print_args(o, a...);
	fprintf(stderr, "%s\n", o.str().c_str());
	fflush(stderr);
}

enum ENUM_CRYPT_METHOD { CRYPT_HASH_SHA256 = 6 };

inline int
CryptEncode(ENUM_CRYPT_METHOD method, const MqlArray<uchar> &data,
    const MqlArray<uchar> &key, MqlArray<uchar> &result)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	(void)key;
	if (method != CRYPT_HASH_SHA256 || EVP_Digest(data.v.data(), data.v.size(),
	    md, &len, EVP_sha256(), NULL) != 1)
		return 0;
	result.v.assign(md, md + len);
	return (int)len;
}

/* MathRand is 0..32767 in MQL5: not a secret, only a stir in the nonce. */
extern uint mql_rand_state;
inline void MathSrand(int seed) { mql_rand_state = (uint)seed; }
inline int
MathRand()
{
	mql_rand_state = mql_rand_state * 1103515245u + 12345u;
	return (int)((mql_rand_state >> 16) & 0x7fff);
}

/* A time's calendar fields, in UTC as the trade server's time is. */
struct MqlDateTime {
	int	year, mon, day, hour, min, sec, day_of_week, day_of_year;
};

inline bool
TimeToStruct(datetime t, MqlDateTime &d)
{
	time_t	tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return false;
	d.year = tm.tm_year + 1900;
	d.mon = tm.tm_mon + 1;
	d.day = tm.tm_mday;
	d.hour = tm.tm_hour;
	d.min = tm.tm_min;
	d.sec = tm.tm_sec;
	d.day_of_week = tm.tm_wday;		/* 0 Sunday, as MQL5 */
	d.day_of_year = tm.tm_yday;
	return true;
}

#include "mql5_terminal.h"

#endif
