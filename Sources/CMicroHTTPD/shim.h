#ifndef STELE_CMICROHTTPD_SHIM_H
#define STELE_CMICROHTTPD_SHIM_H
/* libmicrohttpd's header needs the socket and integer types declared first. */
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>
#endif
