/* unit.h -- a very small unit-test harness for geo/ and the parsers.
 *
 * A test is a void function; CHECK records a failure and goes on, so one run
 * reports every broken expectation.  main() is written by UNIT_MAIN, which
 * prints the closing line "N passed, N failed" that CI reads. */
#ifndef UNIT_H
#define UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int unit_failed_checks;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__,       \
                    __LINE__, #cond);                                      \
            unit_failed_checks++;                                          \
        }                                                                  \
    } while (0)

#define CHECK_STR(got, want)                                               \
    do {                                                                   \
        const char *g_ = (got), *w_ = (want);                              \
        if (!g_ || strcmp(g_, w_) != 0) {                                  \
            fprintf(stderr, "  %s:%d: got \"%s\", want \"%s\"\n",          \
                    __FILE__, __LINE__, g_ ? g_ : "(null)", w_);           \
            unit_failed_checks++;                                          \
        }                                                                  \
    } while (0)

#define CHECK_NEAR(got, want, eps)                                         \
    do {                                                                   \
        double g_ = (got), w_ = (want);                                    \
        if (!(fabs(g_ - w_) <= (eps))) {                                   \
            fprintf(stderr, "  %s:%d: got %.9g, want %.9g\n", __FILE__,    \
                    __LINE__, g_, w_);                                     \
            unit_failed_checks++;                                          \
        }                                                                  \
    } while (0)

struct unit_test {
    const char *name;
    void (*fn)(void);
};

#define UNIT_TEST(fn) { #fn, fn }

#define UNIT_MAIN(...)                                                     \
    int main(void)                                                         \
    {                                                                      \
        static const struct unit_test tests_[] = { __VA_ARGS__ };          \
        int passed = 0, failed = 0;                                        \
        for (size_t i = 0; i < sizeof tests_ / sizeof tests_[0]; i++) {    \
            int before = unit_failed_checks;                               \
            tests_[i].fn();                                                \
            if (unit_failed_checks == before) {                            \
                passed++;                                                  \
            } else {                                                       \
                failed++;                                                  \
                fprintf(stderr, "FAIL %s\n", tests_[i].name);              \
            }                                                              \
        }                                                                  \
        printf("%s: %d passed, %d failed\n", __FILE__, passed, failed);    \
        return failed ? 1 : 0;                                             \
    }

#endif
