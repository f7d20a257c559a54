/*
 * bzimage.c — the Linux bzImage container.
 *
 * Owns: validating a bzImage's real-mode setup header (Linux boot protocol,
 * Documentation/x86/boot.rst) against the file length, reading its kernel
 * version string, and locating and inflating (through unpack.c) the
 * protected-mode payload, which must be the inner vmlinux ELF.  image.c then
 * loads that ELF.
 */
#include "monitor/image.h"
#include "monitor/unpack.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

/* Setup header offsets. */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_VERSION     0x206
#define BZ_KERNEL_VER  0x20e
#define BZ_PAYLOAD_OFF 0x248
#define BZ_PAYLOAD_LEN 0x24c
#define BZ_HDR_END     0x250

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int bzimage_unpack(struct image *img, const char *path, char *err, size_t errlen)
{
	const uint8_t *d = img->file;
	size_t len = img->file_len, i;
	uint64_t pm, off, end;
	unsigned setup_sects;
	uint16_t kv;
	char why[128];
	int ret;

	img->kind = IMAGE_BZIMAGE;
	if (len < BZ_HDR_END) {
		image_errf(err, errlen, path,
			   "truncated bzImage: setup header extends past end of file (%u > %zu)",
			   BZ_HDR_END, len);
		return -EINVAL;
	}
	img->boot_protocol = get16(d + BZ_VERSION);
	if (img->boot_protocol < 0x0208) {
		image_errf(err, errlen, path,
			   "bzImage boot protocol %u.%02u is too old (need 2.08 or later)",
			   img->boot_protocol >> 8, img->boot_protocol & 0xff);
		return -EINVAL;
	}
	kv = get16(d + BZ_KERNEL_VER);
	if (kv) {
		off = (uint64_t)kv + 0x200;
		if (off >= len) {
			image_errf(
			    err, errlen, path,
			    "truncated bzImage: version string past end of file (%llu >= %zu)",
			    (unsigned long long)off, len);
			return -EINVAL;
		}
		for (i = 0; i + 1 < sizeof(img->version) && off + i < len && d[off + i]; i++)
			img->version[i] = (char)d[off + i];
		img->version[i] = '\0';
	}
	setup_sects = d[BZ_SETUP_SECTS] ? d[BZ_SETUP_SECTS] : 4;
	pm = ((uint64_t)setup_sects + 1) * 512;
	off = pm + get32(d + BZ_PAYLOAD_OFF);
	end = off + get32(d + BZ_PAYLOAD_LEN);
	if (end > len) {
		image_errf(err, errlen, path,
			   "truncated bzImage: payload extends past end of file (%llu > %zu)",
			   (unsigned long long)end, len);
		return -EINVAL;
	}
	img->compression = unpack_format(d + off, end - off);
	if (!img->compression) {
		image_errf(err, errlen, path, "bzImage payload: unrecognised compression format");
		return -EINVAL;
	}
	why[0] = '\0';
	ret = unpack(d + off, end - off, &img->payload, &img->payload_len, why, sizeof(why));
	if (ret) {
		image_errf(err, errlen, path, "bzImage payload (%s): %s", img->compression, why);
		return ret;
	}
	if (img->payload_len < 4 || memcmp(img->payload, ELFMAG, SELFMAG)) {
		image_errf(err, errlen, path, "bzImage payload (%s) is not an ELF file",
			   img->compression);
		return -EINVAL;
	}
	return 0;
}
