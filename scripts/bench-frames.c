// The reference side of scripts/bench-frames.sh: the same 1920x1080 conversions done by
// libyuv, by ffmpeg's libswscale and (MJPEG) by libjpeg-turbo, timed the way
// crates/mediacapture-frame/examples/frame_throughput.rs times ours: the CPU time of this
// thread (CLOCK_THREAD_CPUTIME_ID) over N frames after 5 warm-up frames, printed as
// nanoseconds per frame.
//
//   bench-frames-c LIB CASE DIR N [LEVEL]
//
// LIB: libyuv, swscale or turbojpeg. CASE: as frame_throughput (yuyv_to_i420, ...).
// DIR holds the raw inputs the script made with ffmpeg (in_yuyv.raw, in_i420.raw, ...).
// LEVEL (libyuv only): "best" (default), "avx2" (AVX-512 masked off), "ssse3" (AVX and up
// masked off) or "c" (no SIMD), through libyuv's MaskCpuFlags.
//
// Built by the script with: cc -O2 bench-frames.c -lyuv -lswscale -lavutil -lturbojpeg
#define _GNU_SOURCE
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libswscale/swscale.h>
#include <libyuv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

enum { W = 1920, H = 1080 };

static double thread_cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint8_t *read_file(const char *dir, const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = av_malloc((size_t)n + 64);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "%s: read failed\n", path);
    exit(1);
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

// The input of a case: its file and its ffmpeg pixel format.
struct input {
  const char *file;
  enum AVPixelFormat fmt;
};

static struct input input_of(const char *c) {
  if (!strcmp(c, "yuyv_to_i420")) return (struct input){"in_yuyv.raw", AV_PIX_FMT_YUYV422};
  if (!strcmp(c, "uyvy_to_i420")) return (struct input){"in_uyvy.raw", AV_PIX_FMT_UYVY422};
  if (!strcmp(c, "nv12_to_i420")) return (struct input){"in_nv12.raw", AV_PIX_FMT_NV12};
  if (!strcmp(c, "nv21_to_i420")) return (struct input){"in_nv21.raw", AV_PIX_FMT_NV21};
  if (!strcmp(c, "rgb24_to_i420")) return (struct input){"in_rgb24.raw", AV_PIX_FMT_RGB24};
  if (!strcmp(c, "bgra_to_i420")) return (struct input){"in_bgra.raw", AV_PIX_FMT_BGRA};
  if (!strcmp(c, "mjpeg_to_i420")) return (struct input){"in_mjpeg.jpg", AV_PIX_FMT_NONE};
  return (struct input){"in_i420.raw", AV_PIX_FMT_YUV420P};
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s LIB CASE DIR N [LEVEL]\n", argv[0]);
    return 2;
  }
  const char *lib = argv[1], *c = argv[2], *dir = argv[3];
  int n = atoi(argv[4]);
  const char *level = argc > 5 ? argv[5] : "best";
  if (!strcmp(level, "avx2")) {
    MaskCpuFlags(~(kCpuHasAVX512BW | kCpuHasAVX512VL | kCpuHasAVX512VNNI | kCpuHasAVX512VBMI |
                   kCpuHasAVX512VBMI2 | kCpuHasAVX512VBITALG | kCpuHasAVX512VPOPCNTDQ));
  } else if (!strcmp(level, "ssse3")) {
    MaskCpuFlags(kCpuHasX86 | kCpuHasSSE2 | kCpuHasSSSE3 | kCpuHasSSE41 | kCpuHasSSE42);
  } else if (!strcmp(level, "c")) {
    MaskCpuFlags(1);
  }
  struct input in = input_of(c);
  size_t len;
  uint8_t *src = read_file(dir, in.file, &len);
  // scale_i420_to_720p, _360p, _180p: 3:2, 3:1 and 6:1, the four-track pipeline's sizes.
  int scale = !strncmp(c, "scale_i420_to_", 14);
  int oh = scale ? atoi(c + 14) : H;
  int ow = scale ? oh * 16 / 9 : W;
  if (scale && oh != 720 && oh != 360 && oh != 180) {
    fprintf(stderr, "unknown CASE %s\n", c);
    return 2;
  }
  int to_rgb = !strcmp(c, "i420_to_rgba") || !strcmp(c, "i420_to_bgra");
  size_t out_len = to_rgb ? (size_t)W * H * 4 : (size_t)ow * oh * 3 / 2;
  uint8_t *dst = av_malloc(out_len + 64);
  memset(dst, 0, out_len);
  uint8_t *dy = dst, *du = dst + ow * oh, *dv = du + (ow / 2) * (oh / 2);
  const uint8_t *sy = src, *su = src + W * H, *sv = su + (W / 2) * (H / 2);

  struct SwsContext *sws = NULL;
  tjhandle tj = NULL;
  uint8_t *raw_planes[3] = {0};
  if (!strcmp(lib, "swscale")) {
    enum AVPixelFormat of = !strcmp(c, "i420_to_rgba")   ? AV_PIX_FMT_RGBA
                            : !strcmp(c, "i420_to_bgra") ? AV_PIX_FMT_BGRA
                                                         : AV_PIX_FMT_YUV420P;
    if (in.fmt == AV_PIX_FMT_NONE) {
      fprintf(stderr, "swscale does not decode JPEG\n");
      return 2;
    }
    sws = sws_getContext(W, H, in.fmt, ow, oh, of, SWS_BILINEAR, NULL, NULL, NULL);
    if (!sws) return 1;
  } else if (!strcmp(lib, "turbojpeg")) {
    tj = tjInitDecompress();
    for (int i = 0; i < 3; i++) raw_planes[i] = av_malloc((size_t)W * H);
  } else if (strcmp(lib, "libyuv")) {
    fprintf(stderr, "unknown LIB %s\n", lib);
    return 2;
  }

  int rc = 0;
  double start = 0;
  for (int i = 0; i < n + 5; i++) {
    if (i == 5) start = thread_cpu_ns();
    if (sws) {
      const uint8_t *sp[4] = {0};
      int ss[4] = {0};
      av_image_fill_arrays((uint8_t **)sp, ss, src, in.fmt, W, H, 1);
      uint8_t *dp[4] = {dy, du, dv, NULL};
      int ds[4] = {ow, ow / 2, ow / 2, 0};
      if (to_rgb) {
        dp[0] = dst;
        ds[0] = W * 4;
      }
      rc |= sws_scale(sws, sp, ss, 0, H, dp, ds) != oh;
    } else if (tj) {
      // Chromium's path for MJPEG cameras (libyuv's MJPGToI420, whose Debian build
      // refuses 4:2:2 JPEGs): libjpeg-turbo decodes the YCbCr planes as coded (no colour
      // conversion, no upsampling), then libyuv makes them I420.
      int strides[3] = {W, W / 2, W / 2};
      rc |= tjDecompressToYUVPlanes(tj, src, (unsigned long)len, raw_planes, W, strides, H, 0);
      rc |= I422ToI420(raw_planes[0], W, raw_planes[1], W / 2, raw_planes[2], W / 2, dy, W, du,
                       W / 2, dv, W / 2, W, H);
    } else if (!strcmp(c, "yuyv_to_i420")) {
      rc |= YUY2ToI420(src, W * 2, dy, W, du, W / 2, dv, W / 2, W, H);
    } else if (!strcmp(c, "uyvy_to_i420")) {
      rc |= UYVYToI420(src, W * 2, dy, W, du, W / 2, dv, W / 2, W, H);
    } else if (!strcmp(c, "nv12_to_i420")) {
      rc |= NV12ToI420(sy, W, su, W, dy, W, du, W / 2, dv, W / 2, W, H);
    } else if (!strcmp(c, "nv21_to_i420")) {
      rc |= NV21ToI420(sy, W, su, W, dy, W, du, W / 2, dv, W / 2, W, H);
    } else if (!strcmp(c, "rgb24_to_i420")) {
      // libyuv's "RAW" is R, G, B in memory (its "RGB24" is B, G, R).
      rc |= RAWToI420(src, W * 3, dy, W, du, W / 2, dv, W / 2, W, H);
    } else if (!strcmp(c, "bgra_to_i420")) {
      // libyuv's "ARGB" is B, G, R, A in memory.
      rc |= ARGBToI420(src, W * 4, dy, W, du, W / 2, dv, W / 2, W, H);
    } else if (!strcmp(c, "i420_to_rgba")) {
      // libyuv's "ABGR" is R, G, B, A in memory.
      rc |= I420ToABGR(sy, W, su, W / 2, sv, W / 2, dst, W * 4, W, H);
    } else if (!strcmp(c, "i420_to_bgra")) {
      rc |= I420ToARGB(sy, W, su, W / 2, sv, W / 2, dst, W * 4, W, H);
    } else if (scale) {
      rc |= I420Scale(sy, W, su, W / 2, sv, W / 2, W, H, dy, ow, du, ow / 2, dv, ow / 2, ow, oh,
                      kFilterBox);
    } else if (!strcmp(c, "mjpeg_to_i420")) {
      // Chromium's path for MJPEG cameras: libjpeg-turbo to planes, then to I420.
      rc |= MJPGToI420(src, len, dy, W, du, W / 2, dv, W / 2, W, H, W, H);
    } else {
      fprintf(stderr, "unknown CASE %s\n", c);
      return 2;
    }
  }
  double ns = (thread_cpu_ns() - start) / n;
  if (rc) {
    fprintf(stderr, "%s %s: conversion failed\n", lib, c);
    return 1;
  }
  printf("%.0f\n", ns);
  return 0;
}
