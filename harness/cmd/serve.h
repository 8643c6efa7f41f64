/*
 * serve: kdive serve's protocol engine, apart from the process around it, so that a
 * fuzzer can feed it bytes. A server reads requests as bytes in any fragmentation
 * (lines of JSON: JSON lines, or MCP's JSON-RPC 2.0), answers each on its output, and
 * drives one guest at a time. Depends on cli, session, json.
 */
#ifndef KDIVE_SERVE_H
#define KDIVE_SERVE_H

#include <stddef.h>
#include <stdio.h>

struct serve;

/*
 * A server with no kernel, writing its answers to out: every request is parsed,
 * checked and answered, and boot is refused (no kernel). For fuzzing the protocol.
 * mcp: MCP's framing; safe: the typed commands only (serve --safe).
 */
struct serve *serve_new_offline(int mcp, int safe, FILE *out);
/* Feed bytes read from the client; each complete line is answered. */
void serve_feed(struct serve *sv, const char *buf, size_t len);
/* The client's input ended: a last line without its newline is answered. */
void serve_feed_end(struct serve *sv);
/* 1 once the client asked the server to quit. */
int serve_quitting(const struct serve *sv);
void serve_free(struct serve *sv);

#endif
