/* capture_train.c - a recording of the capture signal as training data (see capture_train.h). */
#include "capture_train.h"

#include "audio_io.h"
#include "capture_signal.h"
#include "rnnfx_error.h"

#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tag `rnnfx signal` wrote into a file's comment, if the file kept it: 0 and the fields. */
static int read_tag(const char *path, int *version, double *rate, int *minutes)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) return -1;
    const char *c = sf_get_string(sf, SF_STR_COMMENT);
    int rc = rnnfx_capture_parse_tag(c, version, rate, minutes);
    sf_close(sf);
    return rc;
}

static nn_trole role_of(rnnfx_seg_use u)
{
    return u == RNNFX_USE_VAL ? NN_ROLE_VAL : u == RNNFX_USE_TEST ? NN_ROLE_TEST : NN_ROLE_TRAIN;
}

/* Each run of segments of one use (training, validation, test) becomes one pair. */
static nn_status add_segments(nn_tdata *d, const rnnfx_capture_layout *l, const float *sig, const float *y,
                              const rnnfx_capture_source *src, nn_error *err)
{
    const char *base = strrchr(src->recording, '/');
    base = base ? base + 1 : src->recording;
    for (int i = 0; i < l->n_segs;) {
        rnnfx_seg_use u = l->segs[i].use;
        int j = i;
        while (j < l->n_segs && l->segs[j].use == u) j++;
        if (u != RNNFX_USE_NONE) {
            size_t a = l->segs[i].start, b = l->segs[j - 1].start + l->segs[j - 1].frames;
            char in_name[300], out_name[300];
            snprintf(in_name, sizeof in_name, "signal %.1f-%.1f s", (double)a / l->rate, (double)b / l->rate);
            snprintf(out_name, sizeof out_name, "%s %.1f-%.1f s", base, (double)a / l->rate, (double)b / l->rate);
            const float *xs = sig + a, *ys = y + a;
            nn_taudio x = {in_name, &xs, b - a, 1, l->rate}, t = {out_name, &ys, b - a, 1, l->rate};
            nn_status st = nn_tdata_add(d, &x, &t, -1, src->cond, src->n_cond, role_of(u), err);
            if (st) return st;
        }
        i = j;
    }
    return NN_OK;
}

nn_status rnnfx_capture_add(nn_tdata *d, const rnnfx_capture_source *src, rnnfx_capture_report *rep, nn_error *err)
{
    const char *name = src->recording;
    rnnfx_audio rec = {0}, given = {0};
    rnnfx_capture_layout *l = NULL;
    float *sig = NULL, *y = NULL;
    nn_status st = rnnfx_audio_read(name, &rec, err);
    if (st) return st;
    if (src->channel < 0 && rec.channels != 1) {
        st = rnnfx_fail(err, NN_ERR_SHAPE, name,
                        "%d channels: pick the one that holds the device's output "
                        "with --channel N (1..%d)",
                        rec.channels, rec.channels);
        goto out;
    }
    if (src->channel >= rec.channels) {
        st = rnnfx_fail(err, NN_ERR_SHAPE, name, "has %d channel%s, no channel %d", rec.channels,
                        rec.channels == 1 ? "" : "s", src->channel + 1);
        goto out;
    }
    const float *x = rec.data[src->channel < 0 ? 0 : src->channel];
    if (!(l = malloc(sizeof *l))) {
        st = rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
        goto out;
    }
    /* which signal: the file given, else the recording's tag, else this version found by length */
    int version = RNNFX_CAPTURE_VERSION, minutes = 0;
    double rate = rec.rate;
    const char *tag_of = src->signal ? src->signal : name;
    if (read_tag(tag_of, &version, &rate, &minutes) != 0) {
        if (src->signal) {
            st = rnnfx_fail(err, NN_ERR_FORMAT, src->signal,
                            "not a capture signal written by `rnnfx signal` "
                            "(its WAV comment holds no \"rnnfx capture signal\" tag)");
            goto out;
        }
        version = RNNFX_CAPTURE_VERSION, rate = rec.rate, minutes = 0;
    }
    if (version != RNNFX_CAPTURE_VERSION) {
        st = rnnfx_fail(err, NN_ERR_FORMAT, tag_of, "capture signal version %d; this rnnfx reads version %d", version,
                        RNNFX_CAPTURE_VERSION);
        goto out;
    }
    if (rate != rec.rate) {
        st = rnnfx_fail(err, NN_ERR_VALUE, name,
                        "recorded at %.0f Hz, but the signal is %.0f Hz: record at %.0f Hz "
                        "(a model is trained at its recording's rate)",
                        rec.rate, rate, rate);
        goto out;
    }
    if (!(rate >= RNNFX_CAPTURE_MIN_RATE && rate <= RNNFX_CAPTURE_MAX_RATE && rate == (double)(long)rate)) {
        st = rnnfx_fail(err, NN_ERR_VALUE, name,
                        "recorded at %g Hz: a capture is trained at %.0f..%.0f Hz "
                        "(`rnnfx signal --rate`)",
                        rate, RNNFX_CAPTURE_MIN_RATE, RNNFX_CAPTURE_MAX_RATE);
        goto out;
    }
    if (!minutes) minutes = rnnfx_capture_guess_minutes(x, rec.frames, rate, version);
    if (!minutes) minutes = RNNFX_CAPTURE_DEFAULT_MINUTES; /* the check says what is wrong */
    if (rnnfx_capture_layout_make(l, version, rate, minutes)) {
        st = rnnfx_fail(err, NN_ERR_VALUE, tag_of, "capture signal of %d minutes at %.0f Hz: out of range", minutes,
                        rate);
        goto out;
    }
    if (src->signal) {
        if ((st = rnnfx_audio_read(src->signal, &given, err))) goto out;
        if (given.channels != 1 || given.frames != l->frames || given.rate != l->rate) {
            st = rnnfx_fail(err, NN_ERR_SHAPE, src->signal,
                            "not the capture signal its tag names (%d channels, "
                            "%zu frames, %.0f Hz)",
                            given.channels, given.frames, given.rate);
            goto out;
        }
        sig = given.data[0];
    } else {
        if (!(sig = malloc(l->frames * sizeof *sig)) || rnnfx_capture_render(l, sig)) {
            st = rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
            goto out;
        }
    }
    if ((st = rnnfx_capture_check(l, sig, x, rec.frames, name, rep, &y, err))) goto out;
    if (d) st = add_segments(d, l, sig, y, src, err);
out:
    if (sig && (!given.data || sig != given.data[0])) free(sig);
    free(y);
    free(l);
    rnnfx_audio_free(&given);
    rnnfx_audio_free(&rec);
    return st;
}
