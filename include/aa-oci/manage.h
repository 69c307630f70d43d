/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci's commands that manage what runs (hook/manage.c): each takes the
 * command's own arguments (after the command word) and returns the exit
 * status. They print; nothing else in hook/ but the mains does.
 */
#pragma once

/* aa-oci status [--json] [--apparmorfs DIR] [--config FILE] */
int manage_status(int argc, char **argv);

/* aa-oci logs [--follow] [--container ID] [--pod NS/NAME] [--profile NAME]
 * [--since TIME] [--json] [--config FILE] */
int manage_logs(int argc, char **argv);

/* aa-oci suggest (--container ID | --profile NAME) [--since TIME] [--write]
 * [--reload] [--force] [--apparmorfs DIR] [--config FILE] */
int manage_suggest(int argc, char **argv);

/* aa-oci reload [--force] [NAME...], aa-oci enforce|complain [--force]
 * NAME; @cmd is the command word. */
int manage_reload(const char *cmd, int argc, char **argv);

/* aa-oci unload [--force] NAME... | --all: unload profiles aa-oci loaded,
 * or its whole policy namespace in one write. */
int manage_unload(int argc, char **argv);
