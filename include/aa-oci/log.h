/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging for the main()s: one line on stderr (engines show it to the user)
 * and the same line in syslog, where node logs are collected.
 */
#pragma once

#include <stdbool.h>

/* log_open - name the program (@ident) and turn debug lines on or off. */
void log_open(const char *ident, bool debug);

/* log_error - stderr and syslog (LOG_ERR). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_warning - stderr and syslog (LOG_WARNING): done, but worse than it
 * should be (e.g. the policy cache could not be used). */
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_info - syslog (LOG_INFO); stderr too with --debug. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_debug - stderr, only with --debug. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
