/* ogc_api.c -- the API definition of /ogc/api.  The document is the JSON of
 * server/ogc_api.json, carried in the binary (scripts/embed-text writes it
 * into build/text_embed.c); here it gets the server's address, the paging
 * limits and, for each collection the caller may see, the paths of its
 * "x-collection-paths" with @id@, @description@ and @geometry@ filled in. */
#include "server/ogc_api.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/layers.h"
#include "server/util.h"

extern const char ogc_api_json[];

/* Puts item under key in object o in place of what was there; 0, or -1
 * (item then deleted) when o has no such key or item is NULL. */
static int replace(cJSON *o, const char *key, cJSON *item)
{
    if (o && item && cJSON_ReplaceItemInObjectCaseSensitive(o, key, item))
        return 0;
    cJSON_Delete(item);
    return -1;
}

static const char *const markers[] = { "@id@", "@description@", "@geometry@" };

static const char *marker_value(const struct layer *l, size_t m)
{
    const char *v = m == 0 ? l->id : m == 1 ? l->description : l->geometry;

    return v ? v : "";
}

/* s with the layer's markers filled in: a new string, or NULL. */
static char *fill_text(const char *s, const struct layer *l)
{
    struct pm_buf b;

    pm_buf_init(&b);
    while (*s) {
        size_t m = 0;

        while (m < sizeof markers / sizeof markers[0] && strncmp(s, markers[m], strlen(markers[m])) != 0)
            m++;
        if (m < sizeof markers / sizeof markers[0]) {
            pm_buf_puts(&b, marker_value(l, m));
            s += strlen(markers[m]);
        } else {
            pm_buf_append(&b, s++, 1);
        }
    }
    return pm_buf_finish(&b, NULL);
}

/* Fills the markers of every string value below node.  -1: out of memory. */
static int fill_tree(cJSON *node, const struct layer *l)
{
    for (cJSON *it = node->child; it; it = it->next) {
        char *t;
        cJSON *n;
        int ok;

        if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
            if (fill_tree(it, l) < 0)
                return -1;
            continue;
        }
        if (!cJSON_IsString(it) || !strchr(it->valuestring, '@'))
            continue;
        t = fill_text(it->valuestring, l);
        n = t ? cJSON_CreateString(t) : NULL;
        free(t);
        if (!n)
            return -1;
        if (cJSON_IsObject(node)) {
            ok = replace(node, it->string, n) == 0;
        } else {
            ok = cJSON_ReplaceItemViaPointer(node, it, n);
            if (!ok)
                cJSON_Delete(n);
        }
        if (!ok)
            return -1;
        it = n;
    }
    return 0;
}

/* Adds the paths of layer l, from the template paths tmpl, to paths.  The
 * items path (the one answering 400) of a token layer also answers 401.
 * -1: out of memory. */
static int add_collection(cJSON *paths, const cJSON *tmpl, const struct layer *l)
{
    for (const cJSON *t = tmpl ? tmpl->child : NULL; t; t = t->next) {
        char *key = fill_text(t->string, l);
        cJSON *v = cJSON_Duplicate(t, 1), *get, *responses, *ref;

        if (!key || !v || fill_tree(v, l) < 0 || !cJSON_AddItemToObject(paths, key, v)) {
            free(key);
            cJSON_Delete(v);
            return -1;
        }
        free(key);
        get = cJSON_GetObjectItemCaseSensitive(v, "get");
        responses = cJSON_GetObjectItemCaseSensitive(get, "responses");
        if (!(l->flags & LAYER_TOKEN) || !cJSON_GetObjectItemCaseSensitive(responses, "400"))
            continue;
        ref = cJSON_AddObjectToObject(responses, "401");
        if (!ref || !cJSON_AddStringToObject(ref, "$ref", "#/components/responses/error"))
            return -1;
    }
    return 0;
}

/* Sets the number member name of the limit parameter's schema. */
static int set_limit(cJSON *doc, const char *name, int value)
{
    cJSON *p = cJSON_GetObjectItemCaseSensitive(doc, "components");

    p = cJSON_GetObjectItemCaseSensitive(p, "parameters");
    p = cJSON_GetObjectItemCaseSensitive(p, "limit");
    p = cJSON_GetObjectItemCaseSensitive(p, "schema");
    return replace(p, name, cJSON_CreateNumber(value));
}

char *ogc_api_text(const char *base, int with_token, int limit_max, int limit_default, size_t *len)
{
    cJSON *doc = cJSON_ParseWithOpts(ogc_api_json, NULL, 1);
    cJSON *tmpl = cJSON_DetachItemFromObjectCaseSensitive(doc, "x-collection-paths");
    cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    cJSON *server = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "servers"), 0);
    char url[512];
    char *text = NULL;

    snprintf(url, sizeof url, "%s/ogc", base);
    if (!doc || !paths || !server || set_limit(doc, "maximum", limit_max) < 0 ||
        set_limit(doc, "default", limit_default) < 0 ||
        replace(server, "url", cJSON_CreateString(url)) < 0)
        goto out;
    for (const struct layer *l = layers; l->id; l++)
        if ((!(l->flags & LAYER_TOKEN) || with_token) && add_collection(paths, tmpl, l) < 0)
            goto out;
    text = cJSON_PrintUnformatted(doc);
    if (text && len)
        *len = strlen(text);
out:
    cJSON_Delete(tmpl);
    cJSON_Delete(doc);
    return text;
}
