/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The dashboard page (tools/dashboard/index.html), embedded as it is so
 * that xdpdnsd serves it at / without any file at run time; dashboard.h
 * declares it. The Makefile rebuilds this object when the page changes.
 */
	.section .rodata
	.global dashboard_html
	.type dashboard_html, @object
dashboard_html:
	.incbin "tools/dashboard/index.html"
	.global dashboard_html_end
dashboard_html_end:
	.size dashboard_html, dashboard_html_end - dashboard_html

	.section .note.GNU-stack, "", @progbits
