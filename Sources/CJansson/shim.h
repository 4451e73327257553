#ifndef STELE_CJANSSON_SHIM_H
#define STELE_CJANSSON_SHIM_H
#include <jansson.h>
#endif
