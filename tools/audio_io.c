/* audio_io.c - reading audio files into float channels, writing float WAV atomically
 * (see audio_io.h). */
#include "audio_io.h"
#include "rnnfx_error.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_FRAMES 4096

/* libsndfile's messages end with a period and sometimes carry a "System error : " prefix;
 * trimmed so that they read well inside our own sentence. */
static const char *sf_message(SNDFILE *sf, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", sf_strerror(sf));
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '.' || buf[n - 1] == ' ' || buf[n - 1] == '\n')) buf[--n] = 0;
    return buf;
}

void rnnfx_audio_free(rnnfx_audio *a)
{
    if (!a) return;
    if (a->data)
        for (int c = 0; c < a->channels; c++) free(a->data[c]);
    free(a->data);
    memset(a, 0, sizeof *a);
}

nn_status rnnfx_audio_alloc(rnnfx_audio *a, int channels, size_t frames, double rate, const char *name, nn_error *err)
{
    memset(a, 0, sizeof *a);
    if (channels < 1 || channels > RNNFX_AUDIO_MAX_CHANNELS)
        return rnnfx_fail(err, NN_ERR_LIMIT, name, "%d channels (1..%d supported)", channels, RNNFX_AUDIO_MAX_CHANNELS);
    if (frames > RNNFX_AUDIO_MAX_SAMPLES / (size_t)channels)
        return rnnfx_fail(err, NN_ERR_LIMIT, name, "too long: %zu samples x %d channels; at most %zu samples in all",
                          frames, channels, RNNFX_AUDIO_MAX_SAMPLES);
    a->data = calloc((size_t)channels, sizeof *a->data);
    if (!a->data) return rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
    a->channels = channels;
    a->frames = frames;
    a->rate = rate;
    for (int c = 0; c < channels; c++) {
        a->data[c] = calloc(frames ? frames : 1, sizeof(float));
        if (!a->data[c]) {
            rnnfx_audio_free(a);
            return rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
        }
    }
    return NN_OK;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Grows every channel to hold at least `need` frames (geometrically: the header's frame count is
 * not trusted, a hostile or truncated file may claim anything). */
static int grow(rnnfx_audio *a, size_t *cap, size_t need)
{
    if (need <= *cap) return 1;
    size_t n = *cap ? *cap : CHUNK_FRAMES;
    while (n < need) n *= 2;
    for (int c = 0; c < a->channels; c++) {
        float *p = realloc(a->data[c], n * sizeof(float));
        if (!p) return 0;
        a->data[c] = p;
    }
    *cap = n;
    return 1;
}

static nn_status read_samples(SNDFILE *sf, rnnfx_audio *a, const char *path, nn_error *err)
{
    size_t cap = 0, max_frames = RNNFX_AUDIO_MAX_SAMPLES / (size_t)a->channels;
    float *chunk = malloc((size_t)CHUNK_FRAMES * (size_t)a->channels * sizeof *chunk);
    a->data = calloc((size_t)a->channels, sizeof *a->data);
    if (!chunk || !a->data) {
        free(chunk);
        return rnnfx_fail(err, NN_ERR_NOMEM, path, "out of memory");
    }
    nn_status st = NN_OK;
    for (;;) {
        sf_count_t got = sf_readf_float(sf, chunk, CHUNK_FRAMES);
        if (got <= 0) break;
        size_t n = (size_t)got;
        if (a->frames + n > max_frames) {
            st = rnnfx_fail(err, NN_ERR_LIMIT, path,
                            "too long: more than %zu samples per channel; at most %zu samples in all", max_frames,
                            RNNFX_AUDIO_MAX_SAMPLES);
            break;
        }
        if (!grow(a, &cap, a->frames + n)) {
            st = rnnfx_fail(err, NN_ERR_NOMEM, path, "out of memory");
            break;
        }
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < a->channels; c++)
                a->data[c][a->frames + i] = chunk[i * (size_t)a->channels + (size_t)c];
        a->frames += n;
    }
    free(chunk);
    if (st) return st;
    if (sf_error(sf)) {
        char msg[256];
        return rnnfx_fail(err, NN_ERR_FORMAT, path, "read error after %zu samples: %s", a->frames,
                          sf_message(sf, msg, sizeof msg));
    }
    if (a->frames == 0) return rnnfx_fail(err, NN_ERR_FORMAT, path, "no audio in the file (0 samples)");
    for (int c = 0; c < a->channels; c++) { /* give back the unused tail of the last doubling */
        float *p = realloc(a->data[c], a->frames * sizeof(float));
        if (p) a->data[c] = p;
    }
    return NN_OK;
}

nn_status rnnfx_audio_read(const char *path, rnnfx_audio *a, nn_error *err)
{
    memset(a, 0, sizeof *a);
    if (!path || !*path) return rnnfx_fail(err, NN_ERR_ARG, "audio", "no file name given");
    /* Opened here rather than by libsndfile, so that a missing or unreadable file is reported as
     * such, not as "unknown format". */
    int fd = open(path, O_RDONLY);
    if (fd < 0) return rnnfx_fail(err, NN_ERR_IO, path, "cannot open: %s", strerror(errno));
    struct stat st;
    memset(&st, 0, sizeof st);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int dir = S_ISDIR(st.st_mode);
        close(fd);
        return rnnfx_fail(err, NN_ERR_IO, path, dir ? "is a directory, not an audio file" : "not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return rnnfx_fail(err, NN_ERR_FORMAT, path, "empty file (no audio)");
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open_fd(fd, SFM_READ, &info, SF_TRUE); /* closes fd from here on */
    if (!sf) {
        char msg[256];
        return rnnfx_fail(err, NN_ERR_FORMAT, path, "not an audio file libsndfile can read (%s)",
                          sf_message(NULL, msg, sizeof msg));
    }
    nn_status status = NN_OK;
    if (info.channels < 1 || info.channels > RNNFX_AUDIO_MAX_CHANNELS)
        status = rnnfx_fail(err, NN_ERR_LIMIT, path, "%d channels (1..%d supported)", info.channels,
                            RNNFX_AUDIO_MAX_CHANNELS);
    else if (info.samplerate < RNNFX_AUDIO_MIN_RATE || info.samplerate > RNNFX_AUDIO_MAX_RATE)
        status = rnnfx_fail(err, NN_ERR_VALUE, path, "sample rate %d Hz out of range (%.0f..%.0f)", info.samplerate,
                            RNNFX_AUDIO_MIN_RATE, RNNFX_AUDIO_MAX_RATE);
    else if (info.frames > 0 && info.frames < SF_COUNT_MAX &&
             (unsigned long long)info.frames > RNNFX_AUDIO_MAX_SAMPLES / (unsigned)info.channels)
        status = rnnfx_fail(err, NN_ERR_LIMIT, path,
                            "too long: %lld samples x %d channel%s (%.1f hours); at most %zu samples in all",
                            (long long)info.frames, info.channels, info.channels == 1 ? "" : "s",
                            (double)info.frames / info.samplerate / 3600.0, RNNFX_AUDIO_MAX_SAMPLES);
    if (!status) {
        a->channels = info.channels;
        a->rate = info.samplerate;
        status = read_samples(sf, a, path, err);
    }
    sf_close(sf);
    if (status) rnnfx_audio_free(a);
    return status;
}

/* ---- writing ------------------------------------------------------------------------------ */

struct rnnfx_wav_writer {
    SNDFILE *sf;
    int fd, channels;
    char *path, *tmp;
    float *chunk; /* interleaving buffer, CHUNK_FRAMES frames */
};

/* The one temporary file a signal handler may have to remove (the command writes one file at a
 * time). A fixed buffer: a handler may not touch the heap. */
static char pending_tmp[4096];
static volatile sig_atomic_t pending_set;

void rnnfx_wav_remove_pending(void)
{
    if (pending_set) unlink(pending_tmp);
}

static void set_pending(const char *tmp)
{
    pending_set = 0;
    if (strlen(tmp) < sizeof pending_tmp) {
        memcpy(pending_tmp, tmp, strlen(tmp) + 1);
        pending_set = 1;
    }
}

static void writer_free(rnnfx_wav_writer *w)
{
    free(w->path);
    free(w->tmp);
    free(w->chunk);
    free(w);
}

void rnnfx_wav_abort(rnnfx_wav_writer *w)
{
    if (!w) return;
    if (w->sf) sf_close(w->sf);
    if (w->fd >= 0) close(w->fd);
    unlink(w->tmp);
    pending_set = 0;
    writer_free(w);
}

rnnfx_wav_writer *rnnfx_wav_create(const char *path, int channels, double rate, nn_error *err)
{
    if (!path || !*path) {
        rnnfx_fail(err, NN_ERR_ARG, "output", "no file name given");
        return NULL;
    }
    if (channels < 1 || channels > RNNFX_AUDIO_MAX_CHANNELS || !(rate >= RNNFX_AUDIO_MIN_RATE) ||
        rate > RNNFX_AUDIO_MAX_RATE || rate != floor(rate)) {
        rnnfx_fail(err, NN_ERR_ARG, path, "cannot write %d channels at %g Hz", channels, rate);
        return NULL;
    }
    rnnfx_wav_writer *w = calloc(1, sizeof *w);
    size_t n = strlen(path);
    if (w) {
        w->fd = -1;
        w->channels = channels;
        w->path = malloc(n + 1);
        w->tmp = malloc(n + 16);
        w->chunk = malloc((size_t)CHUNK_FRAMES * (size_t)channels * sizeof(float));
    }
    if (!w || !w->path || !w->tmp || !w->chunk) {
        if (w) writer_free(w);
        rnnfx_fail(err, NN_ERR_NOMEM, path, "out of memory");
        return NULL;
    }
    memcpy(w->path, path, n + 1);
    memcpy(w->tmp, path, n);
    memcpy(w->tmp + n, ".tmp.XXXXXX", 12);
    /* In the destination's folder, so that the final rename is atomic (same file system). */
    w->fd = mkstemp(w->tmp);
    if (w->fd < 0) {
        int e = errno;
        rnnfx_fail(err, NN_ERR_IO, path, "cannot create: %s", e == ENOENT ? "the folder does not exist" : strerror(e));
        writer_free(w);
        return NULL;
    }
    set_pending(w->tmp);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = (int)rate;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    w->sf = sf_open_fd(w->fd, SFM_WRITE, &info, SF_FALSE); /* we close fd: fsync first */
    if (!w->sf) {
        char msg[256];
        rnnfx_fail(err, NN_ERR_IO, path, "cannot write WAV: %s", sf_message(NULL, msg, sizeof msg));
        rnnfx_wav_abort(w);
        return NULL;
    }
    return w;
}

nn_status rnnfx_wav_set_text(rnnfx_wav_writer *w, const char *comment, const char *software, nn_error *err)
{
    if ((comment && sf_set_string(w->sf, SF_STR_COMMENT, comment) != 0) ||
        (software && sf_set_string(w->sf, SF_STR_SOFTWARE, software) != 0)) {
        char msg[256];
        return rnnfx_fail(err, NN_ERR_IO, w->path, "cannot write the text fields: %s",
                          sf_message(w->sf, msg, sizeof msg));
    }
    return NN_OK;
}

nn_status rnnfx_wav_write(rnnfx_wav_writer *w, const float *const *ch, size_t frames, nn_error *err)
{
    for (size_t at = 0; at < frames;) {
        size_t n = frames - at < CHUNK_FRAMES ? frames - at : CHUNK_FRAMES;
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < w->channels; c++) w->chunk[i * (size_t)w->channels + (size_t)c] = ch[c][at + i];
        if (sf_writef_float(w->sf, w->chunk, (sf_count_t)n) != (sf_count_t)n) {
            char msg[256];
            return rnnfx_fail(err, NN_ERR_IO, w->path, "cannot write: %s", sf_message(w->sf, msg, sizeof msg));
        }
        at += n;
    }
    return NN_OK;
}

nn_status rnnfx_wav_commit(rnnfx_wav_writer *w, nn_error *err)
{
    int e = 0;
    if (sf_close(w->sf) != 0) e = EIO; /* writes the final header sizes */
    w->sf = NULL;
    if (!e && fsync(w->fd) != 0) e = errno;
    if (!e) {
        /* mkstemp makes 0600; the output is a document like any other, so honour the umask. */
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(w->fd, 0666 & ~mask) != 0) e = errno;
    }
    if (close(w->fd) != 0 && !e) e = errno;
    w->fd = -1;
    if (!e && rename(w->tmp, w->path) != 0) e = errno;
    if (e) {
        rnnfx_fail(err, NN_ERR_IO, w->path, "cannot write: %s", strerror(e));
        rnnfx_wav_abort(w);
        return NN_ERR_IO;
    }
    pending_set = 0;
    writer_free(w);
    return NN_OK;
}

nn_status rnnfx_audio_write_wav(const char *path, const rnnfx_audio *a, nn_error *err)
{
    rnnfx_wav_writer *w = rnnfx_wav_create(path, a->channels, a->rate, err);
    if (!w) return err ? err->status : NN_ERR_IO;
    nn_status st = rnnfx_wav_write(w, (const float *const *)a->data, a->frames, err);
    if (st) {
        rnnfx_wav_abort(w);
        return st;
    }
    return rnnfx_wav_commit(w, err);
}
