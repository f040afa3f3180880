/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands of the ckpt tool. */
#ifndef CKPT_TOOLS_CKPT_H
#define CKPT_TOOLS_CKPT_H

/* ckpt show [-v] [FILE|-]: returns the exit code. */
int ckpt_show_main(int argc, char **argv);

#endif
