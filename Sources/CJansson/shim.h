#ifndef STELE_CJANSSON_SHIM_H
#define STELE_CJANSSON_SHIM_H
#include <jansson.h>

/* json_decref is a static inline function with a macro around it in
 * jansson.h; Swift imports neither reliably, so this shim gives it a name. */
static inline void json_decref_shim(json_t *json) { json_decref(json); }

#endif
