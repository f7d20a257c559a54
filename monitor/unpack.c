/*
 * unpack.c — decompression of Linux kernel payloads.
 *
 * Owns: magic-byte recognition of the compressed formats Linux uses for a
 * bzImage payload, and full inflation of xz and legacy lzma (liblzma) and
 * gzip (zlib) streams into a growing malloc'd buffer.  Decoding stops at the
 * end of the first stream; bytes after it (Linux appends the uncompressed
 * size) are ignored.  Output is capped at UNPACK_MAX bytes.
 */
#include "monitor/unpack.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>

#define UNPACK_MAX ((size_t)1 << 30) /* 1 GiB of output, at most */

struct magic {
	const char *name;
	const uint8_t *bytes;
	size_t len;
};

static const struct magic magics[] = {
    {"xz", (const uint8_t *)"\xfd\x37\x7a\x58\x5a\x00", 6},
    {"gzip", (const uint8_t *)"\x1f\x8b", 2},
    {"lzma", (const uint8_t *)"\x5d\x00\x00", 3},
    {"zstd", (const uint8_t *)"\x28\xb5\x2f\xfd", 4},
    {"bzip2", (const uint8_t *)"BZh", 3},
    {"lz4", (const uint8_t *)"\x02\x21\x4c\x18", 4},
    {"lzo", (const uint8_t *)"\x89\x4c\x5a\x4f", 4},
};

/* A growing output buffer.  It holds at most UNPACK_MAX + 1 bytes so that a
 * stream of exactly UNPACK_MAX bytes is accepted and a longer one detected. */
struct outbuf {
	uint8_t *buf;
	size_t cap;
	size_t used;
};

static void why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

const char *unpack_format(const uint8_t *data, size_t len)
{
	size_t i;

	if (!data)
		return NULL;
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		if (len >= magics[i].len && !memcmp(data, magics[i].bytes, magics[i].len))
			return magics[i].name;
	}
	return NULL;
}

static int outbuf_init(struct outbuf *o, size_t inlen)
{
	size_t cap = inlen > UNPACK_MAX / 4 ? UNPACK_MAX + 1 : inlen * 4;

	if (cap < 4096)
		cap = 4096;
	o->buf = malloc(cap);
	if (!o->buf)
		return -ENOMEM;
	o->cap = cap;
	o->used = 0;
	return 0;
}

/* Makes room for more output: doubles the buffer up to the cap.  Returns
 * -EFBIG when the buffer is already at the cap. */
static int outbuf_grow(struct outbuf *o)
{
	size_t cap;
	uint8_t *nb;

	if (o->cap > UNPACK_MAX)
		return -EFBIG;
	cap = o->cap > UNPACK_MAX / 2 ? UNPACK_MAX + 1 : o->cap * 2;
	nb = realloc(o->buf, cap);
	if (!nb)
		return -ENOMEM;
	o->buf = nb;
	o->cap = cap;
	return 0;
}

/* Hands the buffer to the caller, trimmed, or reports an oversize stream. */
static int outbuf_finish(struct outbuf *o, uint8_t **out, size_t *out_len, char *why, size_t whylen)
{
	uint8_t *nb;

	if (o->used > UNPACK_MAX) {
		why_set(why, whylen, "output larger than 1 GiB");
		return -EINVAL;
	}
	nb = realloc(o->buf, o->used ? o->used : 1);
	if (nb)
		o->buf = nb;
	*out = o->buf;
	*out_len = o->used;
	o->buf = NULL;
	return 0;
}

static int grow_failed(int ret, char *why, size_t whylen)
{
	if (ret == -EFBIG) {
		why_set(why, whylen, "output larger than 1 GiB");
		return -EINVAL;
	}
	why_set(why, whylen, "out of memory");
	return -ENOMEM;
}

static const char *lzma_ret_name(lzma_ret r)
{
	switch (r) {
	case LZMA_DATA_ERROR:
		return "LZMA_DATA_ERROR";
	case LZMA_FORMAT_ERROR:
		return "LZMA_FORMAT_ERROR";
	case LZMA_OPTIONS_ERROR:
		return "LZMA_OPTIONS_ERROR";
	case LZMA_UNSUPPORTED_CHECK:
		return "LZMA_UNSUPPORTED_CHECK";
	case LZMA_MEMLIMIT_ERROR:
		return "LZMA_MEMLIMIT_ERROR";
	case LZMA_PROG_ERROR:
		return "LZMA_PROG_ERROR";
	default:
		return "liblzma error";
	}
}

/* xz (.xz container) and legacy .lzma ("alone") streams. */
static int unpack_lzma(const char *fmt, const uint8_t *data, size_t len, uint8_t **out,
		       size_t *out_len, char *why, size_t whylen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	struct outbuf o;
	lzma_ret r;
	int ret;

	if (!strcmp(fmt, "xz"))
		r = lzma_stream_decoder(&s, UINT64_MAX, 0);
	else
		r = lzma_alone_decoder(&s, UINT64_MAX);
	if (r != LZMA_OK) {
		why_set(why, whylen, "cannot start %s decoder (%s)", fmt, lzma_ret_name(r));
		return r == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
	}
	ret = outbuf_init(&o, len);
	if (ret) {
		why_set(why, whylen, "out of memory");
		goto out_end;
	}
	s.next_in = data;
	s.avail_in = len;
	for (;;) {
		if (o.used == o.cap) {
			ret = outbuf_grow(&o);
			if (ret) {
				ret = grow_failed(ret, why, whylen);
				goto out_free;
			}
		}
		s.next_out = o.buf + o.used;
		s.avail_out = o.cap - o.used;
		r = lzma_code(&s, LZMA_FINISH);
		o.used = o.cap - s.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK)
			continue;
		if (r == LZMA_BUF_ERROR && s.avail_out > 0) {
			why_set(why, whylen, "truncated %s stream", fmt);
			ret = -EINVAL;
		} else if (r == LZMA_BUF_ERROR) {
			continue; /* output full: grow and go on */
		} else if (r == LZMA_MEM_ERROR) {
			why_set(why, whylen, "out of memory");
			ret = -ENOMEM;
		} else {
			why_set(why, whylen, "corrupt %s data (%s)", fmt, lzma_ret_name(r));
			ret = -EINVAL;
		}
		goto out_free;
	}
	ret = outbuf_finish(&o, out, out_len, why, whylen);
out_free:
	free(o.buf);
out_end:
	lzma_end(&s);
	return ret;
}

static int unpack_gzip(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len, char *why,
		       size_t whylen)
{
	z_stream s;
	struct outbuf o;
	size_t room;
	int zr, ret;

	if (len > UINT_MAX) {
		why_set(why, whylen, "gzip input larger than 4 GiB");
		return -EINVAL;
	}
	memset(&s, 0, sizeof(s));
	zr = inflateInit2(&s, 16 + MAX_WBITS);
	if (zr != Z_OK) {
		why_set(why, whylen, "cannot start gzip decoder (%s)",
			s.msg ? s.msg : "zlib error");
		return zr == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	}
	ret = outbuf_init(&o, len);
	if (ret) {
		why_set(why, whylen, "out of memory");
		goto out_end;
	}
	s.next_in = (Bytef *)data;
	s.avail_in = (uInt)len;
	for (;;) {
		if (o.used == o.cap) {
			ret = outbuf_grow(&o);
			if (ret) {
				ret = grow_failed(ret, why, whylen);
				goto out_free;
			}
		}
		room = o.cap - o.used;
		if (room > UINT_MAX)
			room = UINT_MAX;
		s.next_out = o.buf + o.used;
		s.avail_out = (uInt)room;
		zr = inflate(&s, Z_NO_FLUSH);
		o.used += room - s.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_OK || (zr == Z_BUF_ERROR && s.avail_out == 0))
			continue;
		if (zr == Z_BUF_ERROR) {
			why_set(why, whylen, "truncated gzip stream");
			ret = -EINVAL;
		} else if (zr == Z_MEM_ERROR) {
			why_set(why, whylen, "out of memory");
			ret = -ENOMEM;
		} else {
			why_set(why, whylen, "corrupt gzip data (%s)",
				s.msg ? s.msg : "zlib error");
			ret = -EINVAL;
		}
		goto out_free;
	}
	ret = outbuf_finish(&o, out, out_len, why, whylen);
out_free:
	free(o.buf);
out_end:
	inflateEnd(&s);
	return ret;
}

int unpack(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len, char *why,
	   size_t whylen)
{
	const char *fmt = unpack_format(data, len);

	*out = NULL;
	*out_len = 0;
	if (!fmt) {
		why_set(why, whylen, "unrecognised compression format");
		return -EINVAL;
	}
	if (!strcmp(fmt, "xz") || !strcmp(fmt, "lzma"))
		return unpack_lzma(fmt, data, len, out, out_len, why, whylen);
	if (!strcmp(fmt, "gzip"))
		return unpack_gzip(data, len, out, out_len, why, whylen);
	why_set(why, whylen, "%s payloads are not supported", fmt);
	return -ENOTSUP;
}
