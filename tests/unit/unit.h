/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny unit-test framework: UNIT_TEST(name) { ... CHECK(...); }
 * A failed CHECK reports file:line and ends that test.
 */
#ifndef CKPT_UNIT_H
#define CKPT_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);
void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define UNIT_TEST(name)							\
	static void name(void);						\
	static struct unit_test unit_##name = { #name, name, NULL };	\
	__attribute__((constructor)) static void unit_reg_##name(void)	\
	{								\
		unit_register(&unit_##name);				\
	}								\
	static void name(void)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			unit_fail(__FILE__, __LINE__, "%s", #cond);	\
			return;						\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b) {						\
			unit_fail(__FILE__, __LINE__,			\
				  "%s == %s: %lld != %lld", #a, #b,	\
				  _a, _b);				\
			return;						\
		}							\
	} while (0)

#define CHECK_STR(hay, needle)						\
	do {								\
		const char *_h = (hay), *_n = (needle);			\
		if (!_h || !strstr(_h, _n)) {				\
			unit_fail(__FILE__, __LINE__,			\
				  "'%s' does not contain '%s'",		\
				  _h ? _h : "(null)", _n);		\
			return;						\
		}							\
	} while (0)

#endif
