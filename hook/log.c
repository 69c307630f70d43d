/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "aa-oci/log.h"

static const char *log_ident = "aa-oci";
static bool log_debug_on;

void log_open(const char *ident, bool debug)
{
	log_ident = ident;
	log_debug_on = debug;
	/* No LOG_NDELAY: the syslog socket is opened only when a line is sent.
	 */
	openlog(ident, LOG_PID, LOG_DAEMON);
}

static void emit(int prio, bool to_stderr, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (to_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, line);
	syslog(prio, "%s", line);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_ERR, true, fmt, ap);
	va_end(ap);
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_WARNING, true, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_INFO, log_debug_on, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: debug: ", log_ident);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
