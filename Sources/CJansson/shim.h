#ifndef STELE_CJANSSON_SHIM_H
#define STELE_CJANSSON_SHIM_H
#include <jansson.h>

/* json_decref is a static inline function with a macro around it in
 * jansson.h; Swift imports neither reliably, so this shim gives it a name. */
static inline void json_decref_shim(json_t *json) { json_decref(json); }

/* json_typeof is a function-like macro, which Swift cannot import. */
static inline json_type json_typeof_shim(const json_t *json) { return json_typeof(json); }

/* json_error_code is a static inline function in jansson.h (2.11+) that reads
 * a byte hidden at the end of json_error_t.text; a named shim keeps Swift
 * from depending on how the header spells it. */
static inline enum json_error_code json_error_code_shim(const json_error_t *error) {
    return json_error_code(error);
}

#endif
