/* disclosure.h -- the 1-10 rule of DESIGN 8 for published counts of children
 * (the public council report): no count from 1 to 10 is shown, and none can be
 * worked out from the others.  Pure computation. */
#ifndef GEO_DISCLOSURE_H
#define GEO_DISCLOSURE_H

#include <stddef.h>

enum disc_state {
    DISC_PUBLISHED = 0,     /* the exact count is shown */
    DISC_SUPPRESSED,        /* shown as "1-10" (known to be 1..10, no more) */
    DISC_HIDDEN             /* not shown at all: anything from 0 up */
};

struct disc_cell {
    long count;
    enum disc_state state;
};

/* 1 when a count may be shown as it is: 0 or 11 and more. */
int disc_safe(long n);

/* Decides how to publish a partition: cells[0..n) are disjoint groups whose
 * counts add up to total, which is itself published.  Cells of 1-10 are
 * suppressed.  The suppressed cells' sum is then known (total minus the
 * published cells), so the partition is published only when that sum cannot
 * pin any of them: it must be 11 or more, and neither every suppressed cell at
 * 1 (sum = k) nor every one at 10 (sum = 10k).  Otherwise every cell is hidden
 * and only the total stays.  A total that is not safe hides every cell too.
 * Returns 1 when the cells are published (some maybe suppressed), 0 when they
 * were all hidden. */
int disc_partition(long total, struct disc_cell *cells, size_t n);

#endif
