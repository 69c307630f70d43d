/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The front door of every JSON document aa-oci reads (the OCI state,
 * config.json, the config file, seccomp settings), whatever reads it next:
 * a stream of yajl callbacks or yajl's tree. One strict pass refuses what no
 * reader of ours should walk, with the same message for every document:
 *
 *   WHAT is not valid JSON: <yajl's reason>   comments, trailing garbage,
 *                                             invalid UTF-8, empty input
 *   WHAT is not a JSON object                 the root is something else
 *   WHAT nests deeper than 127 levels         (JSON_DEPTH_MAX)
 *   WHAT contains an escaped NUL (\u0000)      in a key or a string
 *   WHAT names the key "K" twice               in any object, exact bytes
 *
 * all -EBADMSG, each followed by where in the text: " (line L, column C)"
 * (from 1; the column counts bytes and points just past the token at
 * fault, or at the end of the text for a premature end). WHAT is the
 * document's name given by the caller.
 */
#pragma once

#include <stddef.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "aa-oci/err.h"

/*
 * The one nesting limit of every reader and of the config.json rewriter
 * (rewrite.c), so that what one reads the other can write back: yajl_gen
 * keeps a fixed stack of YAJL_MAX_DEPTH (128) states and refuses the 128th
 * level. Go's decoder (runc's reader) takes 10000; no OCI document needs
 * more than a dozen. The bound also keeps yajl_tree_free, which recurses
 * once per level, on the stack.
 */
#define JSON_DEPTH_MAX (YAJL_MAX_DEPTH - 1)

/*
 * json_parse - check the @len bytes at @buf, naming the document @what in
 * messages, and hand each event to @consumer's callbacks (may be NULL) with
 * @ctx, in the same pass. An event reaches the consumer only after it
 * passed the checks (a string or key its NUL check, the end of an object
 * its duplicate check), with one exception: a first event that does not
 * open an object reaches the consumer before it is refused, so a consumer
 * may refuse that root in its own words.
 * Numbers reach the consumer as text, through yajl_number only
 * (yajl_integer and yajl_double are never called).
 * A consumer callback returning 0 stops the parse; the consumer records
 * its own error, and json_parse leaves @err alone.
 * Returns: 0, -EBADMSG (detail in @err), -ENOMEM, or -ECANCELED when a
 *          consumer callback stopped the parse.
 */
int json_parse(const char *buf, size_t len, const char *what,
	       const yajl_callbacks *consumer, void *ctx,
	       struct aa_oci_err *err);

/*
 * json_tree - json_parse of the NUL-terminated @buf, then yajl's tree of it.
 * Returns: 0 (*@ret, an object, to be freed with yajl_tree_free), -EBADMSG
 *          (detail in @err, naming @what), -ENOMEM.
 */
int json_tree(const char *buf, const char *what, yajl_val *ret,
	      struct aa_oci_err *err);
