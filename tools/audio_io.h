/*
 * audio_io.h - audio files in and out of rnnfx, as float channels.
 *
 * Reading takes anything libsndfile reads (WAV, FLAC, AIFF, ...) and gives one float array per
 * channel (deinterleaved), at the file's sample rate; integer formats are scaled to -1..1.
 * Writing makes 32-bit float WAV, atomically: the samples go to a temporary file in the same
 * folder, which is renamed over the destination only once complete. Whatever goes wrong (a
 * missing folder, a full disk, Ctrl-C), no partial output file is ever left under the
 * destination's name.
 *
 * Errors are values (nn_error, nn.h): one line, "<file>: <problem>". Nothing here prints.
 * Not real-time: these functions allocate and do I/O.
 */
#ifndef RNNFX_TOOLS_AUDIO_IO_H
#define RNNFX_TOOLS_AUDIO_IO_H

#include <stddef.h>

#include "nn.h"

/* Limits: files beyond them are refused with a message rather than exhausting memory. */
#define RNNFX_AUDIO_MAX_CHANNELS 64
#define RNNFX_AUDIO_MAX_SAMPLES ((size_t)1 << 29) /* frames x channels: 2 GiB of floats */
#define RNNFX_AUDIO_MIN_RATE 1000.0
#define RNNFX_AUDIO_MAX_RATE 768000.0

typedef struct rnnfx_audio {
    int channels;
    size_t frames; /* samples per channel */
    double rate;   /* Hz */
    float **data;  /* data[channel][frame]; owned, freed by rnnfx_audio_free */
} rnnfx_audio;

/* Reads a whole audio file. On failure `a` is left empty (safe to free) and err says why:
 * missing, a directory, not audio, no samples, too long, too many channels, odd rate. */
nn_status rnnfx_audio_read(const char *path, rnnfx_audio *a, nn_error *err);

/* Allocates `channels` zeroed channels of `frames` samples. `name` is used in messages. */
nn_status rnnfx_audio_alloc(rnnfx_audio *a, int channels, size_t frames, double rate, const char *name, nn_error *err);

/* Frees the channels and empties `a`. An empty (zeroed) or already freed `a` is fine. */
void rnnfx_audio_free(rnnfx_audio *a);

/* Writes all of `a` as float WAV at a->rate, atomically (see above). */
nn_status rnnfx_audio_write_wav(const char *path, const rnnfx_audio *a, nn_error *err);

/* ---- Streaming writer: the same atomic float WAV, written in pieces --------------------------
 * rnnfx_wav_create makes the temporary file at once, so that an unwritable destination is
 * reported before any long computation; commit renames it into place; abort removes it. Exactly
 * one of commit/abort must be called; both free the writer. */
typedef struct rnnfx_wav_writer rnnfx_wav_writer;

rnnfx_wav_writer *rnnfx_wav_create(const char *path, int channels, double rate, nn_error *err);
/* Sets the file's text fields (either may be NULL): the WAV comment (ICMT) and software (ISFT).
 * Call before the first rnnfx_wav_write. */
nn_status rnnfx_wav_set_text(rnnfx_wav_writer *w, const char *comment, const char *software, nn_error *err);
/* Appends `frames` samples of each channel: ch[c][0..frames). */
nn_status rnnfx_wav_write(rnnfx_wav_writer *w, const float *const *ch, size_t frames, nn_error *err);
nn_status rnnfx_wav_commit(rnnfx_wav_writer *w, nn_error *err);
void rnnfx_wav_abort(rnnfx_wav_writer *w);

/* Async-signal-safe: removes the temporary file of a writer still open, if any. For a SIGINT /
 * SIGTERM handler, so that Ctrl-C during a long write leaves nothing behind. */
void rnnfx_wav_remove_pending(void);

#endif
