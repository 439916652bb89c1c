// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The out-of-line half of lib/util.h: what cannot be a static inline.
 */
#include <stdarg.h>
#include <stdio.h>

#include "lib/util.h"

void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
