/* disclosure.c -- the 1-10 rule for partitions of published counts.
 *
 * Why the rule is enough within one partition: an observer knows the total,
 * the published cells exactly, and that each suppressed cell lies in 1..10.
 * Their one equation is "the suppressed cells add up to S".  With k such
 * cells each one can still be anything in [max(1, S - 10(k-1)), min(10,
 * S - (k-1))]: a single value only when S = k or S = 10k, and S itself is a
 * count of children (the union of those groups), so it must not lie in
 * 1..10 either.  A hidden partition (every cell hidden, the total shown)
 * gives nothing away: a hidden cell may be 0. */
#include "geo/disclosure.h"

int disc_safe(long n)
{
    return n == 0 || n > 10;
}

static void hide_all(struct disc_cell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cells[i].state = DISC_HIDDEN;
}

int disc_partition(long total, struct disc_cell *cells, size_t n)
{
    long published = 0, sum = 0, k = 0;

    if (!disc_safe(total)) {
        hide_all(cells, n);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (disc_safe(cells[i].count)) {
            cells[i].state = DISC_PUBLISHED;
            published += cells[i].count;
        } else {
            cells[i].state = DISC_SUPPRESSED;
            sum += cells[i].count;
            k++;
        }
    }
    /* The observer computes sum as total - published: they must agree. */
    if (published + sum != total || (k > 0 && (sum <= 10 || sum == k || sum == 10 * k))) {
        hide_all(cells, n);
        return 0;
    }
    return 1;
}
