/* ingest_msgs.h -- the words of an import report (ingest.h): Japanese and
 * English reasons with stable codes, grouped; the CLI text and the JSON. */
#ifndef POWERMAP_INGEST_MSGS_H
#define POWERMAP_INGEST_MSGS_H

#include "server/ingest.h"

struct ingest_group {
    size_t first;       /* index of its first message */
    size_t count;
};

/* A row's reason from import.c/formats.c as a message: the English reason
 * ("lat: \"95\" is not ..."), its Japanese parts (column \x1e message,
 * \x1f between columns; see struct import_reject) joined with each column
 * named as the file names it (through lr's column map), and its code.
 * 0, or -1 when memory runs out. */
int ingest_msg_from_reason(const struct layout_result *lr, long line, const char *reason,
                           const char *ja, const char *code, struct ingest_msg *m);

/* Groups n messages by reason (code, column); at most cap groups, in the
 * order of their first message.  Returns the number of groups. */
size_t ingest_group(const struct ingest_msg *m, size_t n, struct ingest_group *g, size_t cap);

/* A group's text: "column: reason" without the value of any one row. */
void ingest_group_text(const struct ingest_msg *m, int ja, char *out, size_t cap);

#endif
