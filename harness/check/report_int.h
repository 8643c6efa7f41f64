/*
 * report_int: what report's parts share and nothing else may use: the text hygiene
 * of every writer (escaping for a terminal, KTAP and XML; times; test names) and each
 * format's operations. Depends on report.
 */
#ifndef KDIVE_REPORT_INT_H
#define KDIVE_REPORT_INT_H

#include "report.h"
#include "strbuf.h"

#include <stdint.h>

/* How report_esc() escapes. */
enum esc { ESC_TEXT, ESC_LINE, ESC_KTAP, ESC_XML, ESC_XML_ATTR };

/*
 * Append s escaped for mode: XML character data, XML attribute values (where '\n' and
 * '\t' must be character references), a terminal (ESC_TEXT: control characters but
 * '\n' and '\t' become '?'), one line of it (ESC_LINE: '\n' and '\t' also become ' ')
 * or a KTAP description (ESC_KTAP: as ESC_LINE, and '#', which KTAP reserves, becomes
 * '_'). Invalid UTF-8 becomes U+FFFD in XML (json.c does JSON).
 */
void report_esc(struct strbuf *sb, const char *str, enum esc mode);
/* A scenario's time, and stop i's, in ms; -1 when unknown. */
int64_t report_scenario_ms(const struct match_result *res);
int64_t report_stop_ms(const struct match_result *res, size_t i);
/* Each line of text behind prefix, escaped for mode. */
void report_lines(struct strbuf *sb, const char *prefix, const char *text, enum esc mode);
/* "fork@6.12.117": the scenario's name, and the kernel's when the caller gave it. */
void report_test_name(const struct match_result *res, struct strbuf *sb);

/* The formats. */
extern const struct report_ops report_text_ops, report_ktap_ops, report_junit_ops,
	report_json_ops, report_kcidb_ops;

#endif
