/* ingest_msgs.h -- the words of an import report (ingest.h): Japanese and
 * English reasons with stable codes, grouped; the CLI text and the JSON. */
#ifndef POWERMAP_INGEST_MSGS_H
#define POWERMAP_INGEST_MSGS_H

#include "server/ingest.h"

struct ingest_group {
    size_t first;       /* index of its first message */
    size_t count;
};

/* An English reason of import.c/formats.c ("lat: \"95\" is not ...") as a
 * message with its code, Japanese text and the file's name of the column
 * (through lr's column map).  0, or -1 when memory runs out. */
int ingest_msg_from_reason(const struct layout_result *lr, long line, const char *reason,
                           struct ingest_msg *m);

/* Groups n messages by reason (code, column); at most cap groups, in the
 * order of their first message.  Returns the number of groups. */
size_t ingest_group(const struct ingest_msg *m, size_t n, struct ingest_group *g, size_t cap);

/* A group's text: "column: reason" without the value of any one row. */
void ingest_group_text(const struct ingest_msg *m, int ja, char *out, size_t cap);

#endif
