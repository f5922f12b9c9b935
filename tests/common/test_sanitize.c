/*
 * The log sanitiser: configured values, key=value shapes, bearer
 * tokens, and truncation that never leaves part of a secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sanitize.h"

#define V(s)	{ s, sizeof(s) - 1 }

static char	 out[16384];

static const char *
san(const char *src, const struct sanitize_value *v, size_t n)
{
	sanitize_line(out, sizeof(out), src, v, n);
	return out;
}

/* Keys and bearer tokens only. */
static const char *
sk(const char *src)
{
	return san(src, NULL, 0);
}

static void
test_plain(void **state)
{
	const struct sanitize_value v[] = { V("hunter2") };

	assert_string_equal(san("nothing to hide here", v, 1),
	    "nothing to hide here");
	assert_string_equal(san("", v, 1), "");
	assert_string_equal(sk("tokens: 3, secrets loaded, passwords=ok"),
	    "tokens: 3, secrets loaded, passwords=ok");
}

static void
test_values_positions(void **state)
{
	const struct sanitize_value v[] = { V("hunter2") };

	assert_string_equal(san("hunter2 at start", v, 1),
	    "**** at start");
	assert_string_equal(san("at end hunter2", v, 1), "at end ****");
	assert_string_equal(san("hunter2", v, 1), "****");
	assert_string_equal(san("in(hunter2)the middle", v, 1),
	    "in(****)the middle");
	assert_string_equal(san("hunter2 and hunter2, hunter2", v, 1),
	    "**** and ****, ****");
	/* Back to back is one run of secret bytes. */
	assert_string_equal(san("xhunter2hunter2y", v, 1), "x****y");
	/* Values are case-sensitive: these are different bytes. */
	assert_string_equal(san("HUNTER2", v, 1), "HUNTER2");
}

static void
test_values_overlap(void **state)
{
	/* The shorter one first: the longer must still go whole. */
	const struct sanitize_value nested[] = { V("abc"), V("xxabcxx") };
	const struct sanitize_value cross[] = { V("abcdef"), V("defghi") };
	const struct sanitize_value self[] = { V("aa") };

	assert_string_equal(san("k=1 xxabcxx abc", nested, 2),
	    "k=1 **** ****");
	assert_string_equal(san("<abcdefghi>", cross, 2), "<****>");
	assert_string_equal(san("<aaa>", self, 1), "<****>");
}

static void
test_values_empty_ignored(void **state)
{
	const struct sanitize_value v[] = { { "", 0 }, { NULL, 3 },
	    V("s3cr3t") };

	assert_string_equal(san("a s3cr3t b", v, 3), "a **** b");
}

static void
test_login(void **state)
{
	const struct sanitize_value v[] = { V("12345678"), V("pa55") };

	assert_string_equal(san("mt5: logged in as 12345678 on Broker-Demo",
	    v, 2), "mt5: logged in as **** on Broker-Demo");
	assert_string_equal(san("login=12345678", v, 2), "login=****");
}

static void
test_keys(void **state)
{
	assert_string_equal(sk("password=hunter2"), "password=****");
	assert_string_equal(sk("user=bob password=hunter2 host=x"),
	    "user=bob password=**** host=x");
	assert_string_equal(sk("passwd: hunter2"), "passwd: ****");
	assert_string_equal(sk("secret=abc;next"), "secret=****;next");
	assert_string_equal(sk("client_secret=abc"), "client_secret=****");
	assert_string_equal(sk("GET /x?token=abc&n=1 HTTP/1.1"),
	    "GET /x?token=****&n=1 HTTP/1.1");
	assert_string_equal(sk("access_token=abc,refresh=no"),
	    "access_token=****,refresh=no");
	assert_string_equal(sk("api_key=k1 apikey=k2 api-key=k3"),
	    "api_key=**** apikey=**** api-key=****");
	assert_string_equal(sk("X-API-Key: k4"), "X-API-Key: ****");
	assert_string_equal(sk("password = spaced"), "password = ****");
	/* A key with nothing after it is left alone. */
	assert_string_equal(sk("password="), "password=");
	assert_string_equal(sk("password: "), "password: ");
	assert_string_equal(sk("the password was wrong"),
	    "the password was wrong");
}

static void
test_keys_case(void **state)
{
	assert_string_equal(sk("PASSWORD=a Password=b pAsSwOrD=c"),
	    "PASSWORD=**** Password=**** pAsSwOrD=****");
	assert_string_equal(sk("TOKEN=a Api_Key=b APIKEY=c"),
	    "TOKEN=**** Api_Key=**** APIKEY=****");
}

static void
test_keys_quoted(void **state)
{
	assert_string_equal(sk("{\"password\": \"x y\", \"user\": \"bob\"}"),
	    "{\"password\": \"****\", \"user\": \"bob\"}");
	assert_string_equal(sk("{\"token\":\"abc\"}"),
	    "{\"token\":\"****\"}");
	assert_string_equal(sk("password=\"x y z\" next"),
	    "password=\"****\" next");
	assert_string_equal(sk("secret='it''s' rest"),
	    "secret='****''s' rest");
	/* An escaped quote does not end the value. */
	assert_string_equal(sk("{\"password\":\"a\\\"b c\"}"),
	    "{\"password\":\"****\"}");
	/* JSON inside a JSON string. */
	assert_string_equal(sk("body=\"{\\\"password\\\":\\\"p w\\\"}\""),
	    "body=\"{\\\"password\\\":\\\"****\\\"}\"");
	/* Unclosed: to the end of the line. */
	assert_string_equal(sk("password=\"abc def"), "password=\"****");
}

static void
test_bearer(void **state)
{
	assert_string_equal(sk("Bearer abc.def-ghi"), "Bearer ****");
	assert_string_equal(sk("got bearer   abc123 from peer"),
	    "got bearer   **** from peer");
	assert_string_equal(sk("BEARER x, next"), "BEARER ****, next");
	assert_string_equal(sk("\"Bearer tok\""), "\"Bearer ****\"");
	assert_string_equal(sk("ends with Bearer"), "ends with Bearer");
	assert_string_equal(sk("Authorization: Bearer abc"),
	    "Authorization: ****");
	/* Any scheme: the credentials go with it. */
	assert_string_equal(sk("authorization: Basic dXNlcjpwYXNz ok"),
	    "authorization: **** ok");
	assert_string_equal(sk("{\"Authorization\": \"Basic abc\"}"),
	    "{\"Authorization\": \"****\"}");
}

static void
test_mixed(void **state)
{
	const struct sanitize_value v[] = { V("hunter2") };

	assert_string_equal(san("hunter2 password=hunter2 Bearer hunter2", v,
	    1), "**** password=**** Bearer ****");
	assert_string_equal(san("password=xhunter2x", v, 1),
	    "password=****");
}

static void
test_truncation(void **state)
{
	const struct sanitize_value v[] = { V("topsecret") };
	char	 small[10];

	/* The cut falls inside the secret: only mask bytes appear. */
	sanitize_line(small, sizeof(small), "abcdef topsecret", v, 1);
	assert_string_equal(small, "abcdef **");
	sanitize_line(small, sizeof(small), "password=hunter2", NULL, 0);
	assert_string_equal(small, "password=");
	sanitize_line(small, sizeof(small), "Bearer 0123456789", NULL, 0);
	assert_string_equal(small, "Bearer **");
	/* Masking first: a long secret shrinks and the rest fits. */
	sanitize_line(small, sizeof(small), "topsecret is", v, 1);
	assert_string_equal(small, "**** is");
	sanitize_line(small, 1, "topsecret", v, 1);
	assert_string_equal(small, "");
	sanitize_line(small, sizeof(small), "exactly9!", v, 1);
	assert_string_equal(small, "exactly9!");
	sanitize_line(small, sizeof(small), "exactly10!", v, 1);
	assert_string_equal(small, "exactly10");
}

/* A line longer than the scan window, cut in the middle of a secret. */
static void
test_window_cut(void **state)
{
	const struct sanitize_value v[] = { V("topsecret") };
	size_t	 len = 20000, at = 8192 - 3;
	char	*line;

	line = malloc(len + 1);
	assert_non_null(line);
	memset(line, 'x', len);
	line[len] = '\0';
	memcpy(line + at, "topsecret", 9);
	sanitize_line(out, sizeof(out), line, v, 1);
	assert_int_equal(strlen(out), at + 4);
	assert_string_equal(out + at, "****");
	assert_null(strstr(out, "top"));

	/* A key whose value runs past the window. */
	memset(line, 'x', len);
	memcpy(line + 8180, "token=", 6);
	sanitize_line(out, sizeof(out), line, NULL, 0);
	assert_string_equal(out + 8180, "token=****");
	free(line);
}

static void
test_log_line(void **state)
{
	static const struct sanitize_value v[] = { V("p@ss"), V("87654321") };
	char	 buf[64];

	sanitize_set_values(v, 2);
	sanitize_log_line(buf, sizeof(buf), "login 87654321 with p@ss");
	assert_string_equal(buf, "login **** with ****");
	sanitize_set_values(NULL, 0);
	sanitize_log_line(buf, sizeof(buf), "login 87654321 token=t");
	assert_string_equal(buf, "login 87654321 token=****");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_values_positions),
		cmocka_unit_test(test_values_overlap),
		cmocka_unit_test(test_values_empty_ignored),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_keys_case),
		cmocka_unit_test(test_keys_quoted),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_window_cut),
		cmocka_unit_test(test_log_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
