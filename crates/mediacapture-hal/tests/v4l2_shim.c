/*
 * An LD_PRELOAD shim that emulates one V4L2 camera for the V4L2 backend's tests (this
 * machine has no /dev/video*, no vivid, no v4l2loopback).
 *
 * Opening "$FAKE_V4L2_DIR/video0" returns a memfd standing for the device; ioctls on it
 * (which the v4l crate issues through syscall(SYS_ioctl, ...)) are answered here: a YUYV
 * camera with 320x240 and 160x120 at 30 and 15 fps, mmap streaming with up to 4 buffers.
 * mmap of a buffer maps the memfd itself, so the kernel does that part. Each dequeued
 * frame has luma 16 + (sequence % 200) everywhere and arrives at the frame rate. Only one
 * open file may stream at a time (the others get EBUSY), like a real camera. With
 * FAKE_V4L2_UNPLUG_AFTER=n set, dequeuing fails with ENODEV after n frames (unplugged).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 16
#define MAX_BUFS 4

struct cam {
    int fd; /* -1 when unused */
    uint32_t width, height, num, den;
    uint32_t nbufs, bufsize;
    int queued[MAX_BUFS];
    int streaming;
    uint32_t sequence;
    struct timespec next;
};

static struct cam cams[MAX_FDS];
static int streaming_fd = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;

static void init(void) {
    if (!initialised) {
        for (int i = 0; i < MAX_FDS; i++) cams[i].fd = -1;
        initialised = 1;
    }
}

static struct cam *find(int fd) {
    for (int i = 0; i < MAX_FDS; i++)
        if (cams[i].fd == fd && fd >= 0) return &cams[i];
    return NULL;
}

static int is_ours(const char *path) {
    const char *dir = getenv("FAKE_V4L2_DIR");
    if (!dir || !path) return 0;
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && strcmp(path + n, "/video0") == 0;
}

static int open_cam(void) {
    pthread_mutex_lock(&lock);
    init();
    int fd = memfd_create("fake-v4l2", 0);
    if (fd >= 0) {
        struct cam *c = NULL;
        for (int i = 0; i < MAX_FDS; i++)
            if (cams[i].fd < 0) { c = &cams[i]; break; }
        if (!c) { close(fd); fd = -1; errno = EMFILE; }
        else {
            memset(c, 0, sizeof *c);
            c->fd = fd;
            c->width = 320; c->height = 240; c->num = 1; c->den = 30;
        }
    }
    pthread_mutex_unlock(&lock);
    return fd;
}

typedef int (*open_fn)(const char *, int, ...);

int open(const char *path, int flags, ...) {
    if (is_ours(path)) return open_cam();
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);
    open_fn real = (open_fn)dlsym(RTLD_NEXT, "open");
    return real(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    if (is_ours(path)) return open_cam();
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);
    open_fn real = (open_fn)dlsym(RTLD_NEXT, "open64");
    return real(path, flags, mode);
}

typedef int (*close_fn)(int);

int close(int fd) {
    pthread_mutex_lock(&lock);
    init();
    struct cam *c = find(fd);
    if (c) {
        if (streaming_fd == fd) streaming_fd = -1;
        c->fd = -1;
    }
    pthread_mutex_unlock(&lock);
    close_fn real = (close_fn)dlsym(RTLD_NEXT, "close");
    return real(fd);
}

static const uint32_t sizes[2][2] = {{320, 240}, {160, 120}};
static const uint32_t rates[2] = {30, 15};

static int valid_size(uint32_t w, uint32_t h) {
    return (w == 320 && h == 240) || (w == 160 && h == 120);
}

static void fill_fmt(struct cam *c, struct v4l2_format *f) {
    f->fmt.pix.width = c->width;
    f->fmt.pix.height = c->height;
    f->fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    f->fmt.pix.field = V4L2_FIELD_NONE;
    f->fmt.pix.bytesperline = c->width * 2;
    f->fmt.pix.sizeimage = c->width * c->height * 2;
    f->fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
}

/* Waits for the next frame time, then fills the oldest queued buffer. */
static int dequeue(struct cam *c, struct v4l2_buffer *b) {
    int idx = -1;
    for (uint32_t i = 0; i < c->nbufs; i++)
        if (c->queued[i]) { idx = (int)i; break; }
    if (idx < 0) return -EAGAIN;
    /* FAKE_V4L2_UNPLUG_AFTER=n: the camera is unplugged after n frames. */
    const char *unplug = getenv("FAKE_V4L2_UNPLUG_AFTER");
    if (unplug && c->sequence >= (uint32_t)atoi(unplug)) return -ENODEV;
    pthread_mutex_unlock(&lock);
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &c->next, NULL);
    pthread_mutex_lock(&lock);
    long step = 1000000000L / c->den * c->num;
    c->next.tv_nsec += step;
    while (c->next.tv_nsec >= 1000000000L) { c->next.tv_nsec -= 1000000000L; c->next.tv_sec++; }
    uint8_t *frame = malloc(c->bufsize);
    if (!frame) return -ENOMEM;
    uint8_t y = (uint8_t)(16 + c->sequence % 200);
    for (uint32_t i = 0; i + 3 < c->bufsize; i += 4) {
        frame[i] = y; frame[i + 1] = 128; frame[i + 2] = y; frame[i + 3] = 128;
    }
    pwrite(c->fd, frame, c->bufsize, (off_t)idx * c->bufsize);
    free(frame);
    c->queued[idx] = 0;
    memset(b, 0, sizeof *b);
    b->index = (uint32_t)idx;
    b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b->memory = V4L2_MEMORY_MMAP;
    b->bytesused = c->width * c->height * 2;
    b->length = c->bufsize;
    b->m.offset = (uint32_t)idx * c->bufsize;
    b->field = V4L2_FIELD_NONE;
    b->flags = V4L2_BUF_FLAG_MAPPED | V4L2_BUF_FLAG_DONE;
    b->sequence = c->sequence++;
    return 0;
}

static long cam_ioctl(struct cam *c, unsigned long req, void *arg) {
    switch (req) {
    case VIDIOC_QUERYCAP: {
        struct v4l2_capability *cap = arg;
        memset(cap, 0, sizeof *cap);
        strcpy((char *)cap->driver, "fakecam");
        strcpy((char *)cap->card, "Shim Camera");
        strcpy((char *)cap->bus_info, "usb-shim-1");
        cap->version = 0x060100;
        cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
        cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
        return 0;
    }
    case VIDIOC_ENUM_FMT: {
        struct v4l2_fmtdesc *d = arg;
        if (d->index != 0 || d->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        d->pixelformat = V4L2_PIX_FMT_YUYV;
        d->flags = 0;
        strcpy((char *)d->description, "YUYV 4:2:2");
        return 0;
    }
    case VIDIOC_ENUM_FRAMESIZES: {
        struct v4l2_frmsizeenum *s = arg;
        if (s->pixel_format != V4L2_PIX_FMT_YUYV || s->index > 1) return -EINVAL;
        s->type = V4L2_FRMSIZE_TYPE_DISCRETE;
        s->discrete.width = sizes[s->index][0];
        s->discrete.height = sizes[s->index][1];
        return 0;
    }
    case VIDIOC_ENUM_FRAMEINTERVALS: {
        struct v4l2_frmivalenum *i = arg;
        if (i->pixel_format != V4L2_PIX_FMT_YUYV || i->index > 1 || !valid_size(i->width, i->height))
            return -EINVAL;
        i->type = V4L2_FRMIVAL_TYPE_DISCRETE;
        i->discrete.numerator = 1;
        i->discrete.denominator = rates[i->index];
        return 0;
    }
    case VIDIOC_G_FMT: {
        struct v4l2_format *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        fill_fmt(c, f);
        return 0;
    }
    case VIDIOC_S_FMT: {
        struct v4l2_format *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        if (c->streaming || c->nbufs) return -EBUSY;
        if (valid_size(f->fmt.pix.width, f->fmt.pix.height)) {
            c->width = f->fmt.pix.width;
            c->height = f->fmt.pix.height;
        }
        fill_fmt(c, f);
        return 0;
    }
    case VIDIOC_G_PARM:
    case VIDIOC_S_PARM: {
        struct v4l2_streamparm *p = arg;
        if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        if (req == VIDIOC_S_PARM) {
            struct v4l2_fract t = p->parm.capture.timeperframe;
            /* The nearest listed rate. */
            if (t.numerator && t.denominator)
                c->den = (t.denominator / t.numerator >= 23) ? 30 : 15;
            c->num = 1;
        }
        memset(&p->parm, 0, sizeof p->parm);
        p->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
        p->parm.capture.timeperframe.numerator = c->num;
        p->parm.capture.timeperframe.denominator = c->den;
        return 0;
    }
    case VIDIOC_REQBUFS: {
        struct v4l2_requestbuffers *r = arg;
        if (r->memory != V4L2_MEMORY_MMAP) return -EINVAL;
        if (r->count > 0 && streaming_fd >= 0 && streaming_fd != c->fd) return -EBUSY;
        if (r->count > MAX_BUFS) r->count = MAX_BUFS;
        c->nbufs = r->count;
        c->bufsize = (c->width * c->height * 2 + 4095) & ~4095u;
        memset(c->queued, 0, sizeof c->queued);
        if (ftruncate(c->fd, (off_t)c->nbufs * c->bufsize) != 0) return -errno;
        if (r->count > 0) streaming_fd = c->fd;
        else if (streaming_fd == c->fd) streaming_fd = -1;
        return 0;
    }
    case VIDIOC_QUERYBUF: {
        struct v4l2_buffer *b = arg;
        if (b->index >= c->nbufs) return -EINVAL;
        b->length = c->bufsize;
        b->m.offset = b->index * c->bufsize;
        b->flags = V4L2_BUF_FLAG_MAPPED;
        return 0;
    }
    case VIDIOC_QBUF: {
        struct v4l2_buffer *b = arg;
        if (b->index >= c->nbufs) return -EINVAL;
        c->queued[b->index] = 1;
        return 0;
    }
    case VIDIOC_DQBUF:
        if (!c->streaming) return -EINVAL;
        return dequeue(c, arg);
    case VIDIOC_STREAMON:
        c->streaming = 1;
        clock_gettime(CLOCK_MONOTONIC, &c->next);
        return 0;
    case VIDIOC_STREAMOFF:
        c->streaming = 0;
        memset(c->queued, 0, sizeof c->queued);
        return 0;
    default:
        return -ENOTTY;
    }
}

typedef long (*syscall_fn)(long, ...);

long syscall(long number, ...) {
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (int i = 0; i < 6; i++) a[i] = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_ioctl) {
        pthread_mutex_lock(&lock);
        init();
        struct cam *c = find((int)a[0]);
        if (c) {
            long r = cam_ioctl(c, (unsigned long)a[1], (void *)a[2]);
            pthread_mutex_unlock(&lock);
            if (r < 0) { errno = (int)-r; return -1; }
            return r;
        }
        pthread_mutex_unlock(&lock);
    }
    syscall_fn real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
    return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
