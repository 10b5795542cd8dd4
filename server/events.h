/* events.h -- blackout events for the outside: webhook deliveries, battery
 * deadline alerts and the outage feed, in background threads. */
#ifndef EVENTS_H
#define EVENTS_H

#include <libpq-fe.h>
#include <stddef.h>

struct pm_server;

/* Records an event of type ("outage.created", "outage.updated",
 * "outage.ended", "outage.threshold") about outage_id inside the caller's
 * transaction, with counts (affected, by decision, by remaining time) and
 * times, and queues one delivery per configured receiver.  extra_json is
 * an object whose members are added to the payload (may be NULL).
 * Payloads never hold names, addresses or coordinates of children.
 * Returns 0, or -1 with err.  Without receivers nothing is written. */
int events_emit(PGconn *c, const struct pm_server *srv, const char *type, long outage_id,
                const char *extra_json, char *err, size_t errlen);

/* Wakes the delivery worker (after a commit that queued deliveries). */
void events_wake(void);

/* Rule 8: records, inside the caller's transaction, the event of an outage
 * created or changed (type "outage.created" or "outage.updated"; extra_json
 * as for events_emit) for the receivers of srv.  A re-plan worker re-plans
 * the outage, then emits the event with the counts of that re-plan.
 * Without receivers nothing is written.  Returns 0, or -1 with err. */
int events_queue(PGconn *c, const struct pm_server *srv, long outage_id, const char *type,
                 const char *extra_json, char *err, size_t errlen);

/* Wakes the re-plan worker (after a commit that queued an outage's event). */
void events_replan(void);

/* Starts the worker threads: the outage re-plans (always), and those the
 * configuration asks for: deliveries (with receivers), deadline alerts (with
 * receivers), the outage feed (with a feed URL).  Each has its own database
 * connection.  Returns 0 or -1. */
int events_start(struct pm_server *srv);

/* Stops and joins the threads (bounded by their HTTP timeouts). */
void events_stop(void);

#endif
