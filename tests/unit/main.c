// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every registered unit test, prints one line per failure and, last,
 * exactly "N passed, N failed".  Exit status 1 if any failed.
 * With arguments, runs only the tests whose names contain one of them.
 */
#include <stdarg.h>
#include <stdlib.h>
#include "unit.h"

static struct unit_test *tests, **tail = &tests;
static int failed_now;

void unit_register(struct unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed_now = 1;
}

static int selected(const char *name, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return argc < 2;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	struct unit_test *t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = tests; t; t = t->next) {
		if (!selected(t->name, argc, argv))
			continue;
		failed_now = 0;
		t->fn();
		if (failed_now) {
			printf("  in %s\n", t->name);
			failed++;
		} else {
			if (getenv("UNIT_VERBOSE"))
				printf("ok %s\n", t->name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
