/* report.h -- the council report (DESIGN 9): the exact figures from the
 * database made into sections with Japanese titles and labels, the public
 * version's 1-10 rule (geo/disclosure), and its renderings: a printable HTML
 * page with SVG bar charts drawn here, and an .xlsx workbook (libxlsxwriter).
 * No database or HTTP code. */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>

struct cJSON;

/* Turns the figures of powermap_council_report() (JSON text) into the
 * report: {"at", "public", "definition", "total", "sections": [{"id",
 * "title", "kind": "partition"|"subset", "cells": [{"key", "label", "count",
 * "suppressed"?, "hidden"?}]}], "resources", ...}.  When public, every count
 * of children follows the 1-10 rule: a suppressed count is null with
 * "suppressed": true (it is 1 to 10), a hidden one null with "hidden": true,
 * and nothing that is published lets one work a count of 1-10 out; the
 * internal-only figures (registered, outside the definition) are left out.
 * Returns a new object (the caller deletes it) or NULL when figures is not
 * such JSON or memory runs out. */
struct cJSON *report_council(const char *figures, int public_version);

/* The report as a printable Japanese HTML page (malloc'd, *len set), or NULL. */
char *report_council_html(const struct cJSON *report, size_t *len);

/* The report as an .xlsx workbook (malloc'd bytes, *len set), or NULL.
 * Written through a temporary file under tmpdir (NULL: /tmp). */
char *report_council_xlsx(const struct cJSON *report, const char *tmpdir, size_t *len);

/* The Japanese label of a key of section id ("care", "ventilator" ->
 * "人工呼吸器"); the key itself when there is none.  Static or key. */
const char *report_label(const char *section, const char *key);

#endif
