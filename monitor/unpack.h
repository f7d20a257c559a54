/*
 * unpack.h — decompression of Linux kernel payloads.
 *
 * Owns: recognising a compressed stream by its magic bytes and inflating it
 * fully into a malloc'd buffer.  Formats: xz, lzma (legacy .lzma "alone"),
 * gzip (via liblzma and zlib).  Trailing bytes after the end of the stream
 * (Linux appends the uncompressed size) are ignored.
 */
#ifndef RINGVM_MONITOR_UNPACK_H
#define RINGVM_MONITOR_UNPACK_H

#include <stddef.h>
#include <stdint.h>

/* Name of the format of DATA ("xz", "gzip", "lzma", "zstd", "bzip2", "lz4",
 * "lzo") or NULL if unrecognised. */
const char *unpack_format(const uint8_t *data, size_t len);

/* Inflates DATA into *OUT (malloc'd, *OUT_LEN bytes).  Returns 0, -EINVAL for
 * a corrupt or truncated stream, -ENOTSUP for a recognised but unsupported
 * format, -ENOMEM.  On error writes a short reason into WHY. */
int unpack(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len, char *why,
	   size_t whylen);

#endif
