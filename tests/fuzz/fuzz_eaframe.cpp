/*
 * The Expert Advisor's frame parser (broker/mql5/HbFrame.mqh), built
 * from the EA's own source through the translation step and the MQL5
 * shim, as herald-mt5sim is.  The first byte picks whether a MAC is
 * expected; the rest is what heraldd's side might send: every whole
 * frame is taken, its text parsed and each value run through the
 * number parsers.  Properties: no crash or out-of-range access (the
 * shim's arrays are bounds-checked), and a text the parser accepted,
 * framed again, is taken back identically.
 */
#include <cassert>

#include "HbFrame.mqh"

int	mql_last_error;
uint	mql_rand_state = 1;

static void
values(const MqlArray<string> &keys, const MqlArray<string> &vals, int n)
{
	ulong u;
	long i;
	double d;
	MqlArray<uchar> raw;
	string why;

	for (int k = 0; k < n; k++) {
		HbParseU64(vals[k], u);
		HbParseI64(vals[k], i);
		HbParseDec(vals[k], d);
		HbUnhex(vals[k], 32, raw);
	}
	HbKeysAre(keys, n, "req,cmd,action,symbol,type,volume,price,stoplimit,sl,"
	    "tp,deviation,type_time,expiration,position,position_by,order,"
	    "comment,auth", true, why);
	HbKeysAre(keys, n, "req,name", false, why);
	HbKeysAre(keys, n, "req,after,since", false, why);
}

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	MqlArray<uchar> buf, key, again;
	ulong seq = 1;

	if (size < 1)
		return 0;
	bool mac = data[0] & 1;
	buf.v.assign(data + 1, data + size);
	key.v.assign(32, 0x5a);
	int have = (int)buf.v.size();
	int at = 0;
	while (at < have) {
		MqlArray<uchar> rest;
		rest.v.assign(buf.v.begin() + at, buf.v.end());
		int used = 0;
		string text, why, type;
		if (HbFrameTake(rest, have - at, mac, key, seq, used, text, why) != 1)
			break;
		at += used;
		MqlArray<string> keys, vals;
		int n = HbTextParse(text, type, keys, vals, why);
		if (n >= 0)
			values(keys, vals, n);
		/* Round trip: the same text, framed again, comes back. */
		HbFrameBuild(seq, text, mac, key, again);
		int used2 = 0;
		string text2;
		assert(HbFrameTake(again, ArraySize(again), mac, key, seq, used2,
		    text2, why) == 1);
		assert(text2 == text && used2 == used);
		seq++;
	}
	return 0;
}
