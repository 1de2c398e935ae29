/*
 * crypto/gzip.c - GZIP members as Java's GZIPOutputStream writes them and
 * GZIPInputStream reads them (vault and backup blobs, spec/crypto.md 7.2).
 *
 * Writing: the fixed ten-byte header 1f 8b 08 00, mtime 0, xfl 0, OS ff
 * (what JDK 16 and later write), raw deflate at zlib's default level, then
 * CRC-32 and length, little-endian.
 *
 * Reading follows GZIPInputStream: any OS byte and mtime, the optional
 * header fields, both trailer checks, further members concatenated, and
 * bytes after a member that do not start another header ignored.  Output
 * is capped by the caller's max.
 */
#include <limits.h>
#include <string.h>

#include <zlib.h>

#include <minima/stream.h>

#include "crypto/crypto.h"

#define GZ_CHUNK 16384
#define GZ_FHCRC 0x02
#define GZ_FEXTRA 0x04
#define GZ_FNAME 0x08
#define GZ_FCOMMENT 0x10

static void put_le32(mn_buf_t *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                  (uint8_t)(v >> 24)};
  mn_buf_put(b, x, 4);
}

static uint32_t crc_of(uint32_t crc, const uint8_t *p, size_t len) {
  while (len > 0) {
    uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;
    crc = (uint32_t)crc32(crc, p, n);
    p += n;
    len -= n;
  }
  return crc;
}

int mn__gzip(const void *in, size_t len, mn_buf_t *out) {
  static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  if (out->err)
    return out->err;
  size_t start = out->len;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return MN_ENOMEM;
  int rc = 0;
  mn_buf_put(out, header, sizeof header);
  const uint8_t *p = (const uint8_t *)in;
  size_t left = len;
  int zr;
  do {
    if (zs.avail_in == 0 && left > 0) {
      zs.next_in = (Bytef *)(uintptr_t)p;
      zs.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
      p += zs.avail_in;
      left -= zs.avail_in;
    }
    if (mn_buf_reserve(out, GZ_CHUNK)) {
      rc = out->err;
      goto out;
    }
    zs.next_out = out->data + out->len;
    zs.avail_out = GZ_CHUNK;
    zr = deflate(&zs, left == 0 ? Z_FINISH : Z_NO_FLUSH);
    if (zr == Z_STREAM_ERROR) {
      rc = MN_EIO;
      goto out;
    }
    out->len += GZ_CHUNK - zs.avail_out;
  } while (zr != Z_STREAM_END);
  put_le32(out, crc_of(0, (const uint8_t *)in, len));
  put_le32(out, (uint32_t)len);
  rc = out->err;
out:
  deflateEnd(&zs);
  if (rc && out->len > start)
    out->len = start;
  return rc;
}

/* Parses a member header at p; returns its length, or 0 if it is not one. */
static size_t member_header(const uint8_t *p, size_t len) {
  if (len < 10 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8)
    return 0;
  unsigned flg = p[3];
  size_t pos = 10;
  if (flg & GZ_FEXTRA) {
    if (len - pos < 2)
      return 0;
    size_t xlen = (size_t)p[pos] | (size_t)p[pos + 1] << 8;
    pos += 2;
    if (len - pos < xlen)
      return 0;
    pos += xlen;
  }
  for (unsigned f = GZ_FNAME; f <= GZ_FCOMMENT; f <<= 1) {
    if (!(flg & f))
      continue;
    const uint8_t *z = memchr(p + pos, 0, len - pos);
    if (!z)
      return 0;
    pos = (size_t)(z - p) + 1;
  }
  if (flg & GZ_FHCRC) {
    if (len - pos < 2)
      return 0;
    uint32_t crc = crc_of(0, p, pos) & 0xffff;
    if ((p[pos] | (unsigned)p[pos + 1] << 8) != crc)
      return 0;
    pos += 2;
  }
  return pos;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* Inflates one member's deflate data at p; *used gets the bytes read. */
static int gz_inflate(z_stream *zs, const uint8_t *p, size_t len, size_t *used,
                      size_t max, size_t *total, mn_buf_t *out, uint32_t *crc,
                      uint32_t *size) {
  const uint8_t *q = p;
  size_t left = len;
  int zr = Z_OK;
  *crc = 0;
  *size = 0;
  while (zr != Z_STREAM_END) {
    if (zs->avail_in == 0) {
      if (left == 0)
        return MN_EFORMAT; /* truncated */
      zs->next_in = (Bytef *)(uintptr_t)q;
      zs->avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
      q += zs->avail_in;
      left -= zs->avail_in;
    }
    if (mn_buf_reserve(out, GZ_CHUNK))
      return out->err;
    uint8_t *dst = out->data + out->len;
    zs->next_out = dst;
    zs->avail_out = GZ_CHUNK;
    zr = inflate(zs, Z_NO_FLUSH);
    if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
      return zr == Z_MEM_ERROR ? MN_ENOMEM : MN_EFORMAT;
    size_t got = GZ_CHUNK - zs->avail_out;
    if (zr == Z_BUF_ERROR && got == 0 && zs->avail_in == 0 && left == 0)
      return MN_EFORMAT;
    if (got > max - *total)
      return MN_ETOOBIG;
    *total += got;
    *crc = crc_of(*crc, dst, got);
    *size += (uint32_t)got;
    out->len += got;
  }
  *used = len - left - zs->avail_in;
  return 0;
}

int mn__gunzip(const void *in, size_t len, size_t max, mn_buf_t *out) {
  const uint8_t *p = (const uint8_t *)in;
  if (out->err)
    return out->err;
  if (!p || len == 0)
    return MN_EFORMAT;
  size_t start = out->len, pos = 0, total = 0;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
    return MN_ENOMEM;
  int rc = 0;
  for (int member = 0;; member++) {
    size_t h = member_header(p + pos, len - pos);
    if (h == 0) {
      if (member == 0)
        rc = MN_EFORMAT;
      break; /* anything after a member that is not a header is ignored */
    }
    pos += h;
    if (member > 0 && inflateReset(&zs) != Z_OK) {
      rc = MN_EIO;
      break;
    }
    zs.avail_in = 0;
    size_t used;
    uint32_t crc, size;
    rc = gz_inflate(&zs, p + pos, len - pos, &used, max, &total, out, &crc,
                    &size);
    if (rc)
      break;
    pos += used;
    if (len - pos < 8 || le32(p + pos) != crc || le32(p + pos + 4) != size) {
      rc = MN_EFORMAT;
      break;
    }
    pos += 8;
  }
  inflateEnd(&zs);
  if (rc && out->len > start)
    out->len = start;
  return rc;
}
