// SPDX-License-Identifier: GPL-2.0
/*
 * empty: does nothing.  Linked as tools/ckpt and tools/restart are (static,
 * at a fixed address), so that 'bench exec-floor' times what starting and
 * ending a tool costs before it does any work.
 */
int main(void)
{
	return 0;
}
