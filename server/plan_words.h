/* plan_words.h -- Japanese names for the codes a plan carries (hazards,
 * devices, care, contact roles, status ...).  Each returns a static string:
 * the Japanese name, or the code itself (or "") when it has none.  The dates,
 * hours and reasons are in plan_render.h. */
#ifndef PLAN_WORDS_H
#define PLAN_WORDS_H

#include "server/plan_render.h"

const char *pw_hazard(const char *h);           /* "flood" -> 洪水; "none" -> 停電 */
const char *pw_device(const char *type);
const char *pw_care(const char *c);
const char *pw_role(const char *r);             /* medical_contacts role */
const char *pw_sex(const char *s);
const char *pw_affiliation(const char *a);
const char *pw_mobility(const char *m);         /* a sentence */
const char *pw_decision(const char *d);
const char *pw_status(const char *s);           /* draft, agreed, shared */
const char *pw_review_reason(const char *r);    /* child_plan_docs.review_reasons */

#endif
