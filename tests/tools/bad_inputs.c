/* bad_inputs.c - making each bad input (see bad_inputs.h). Text edits on the reference models,
 * so that every case differs from a good file in exactly one way. */
#include "bad_inputs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reference model's text with the first occurrence of `from` replaced by `to`; written to
 * the scratch file `name`. */
static int edit_ref(char path[PATH_CAP], const char *ref, const char *name, const char *from, const char *to)
{
    char src[PATH_CAP];
    ref_path(src, ref);
    scratch_path(path, name);
    size_t n;
    char *text = read_file(src, &n);
    if (!text) return -1;
    char *at = strstr(text, from);
    if (!at) {
        free(text);
        return -1;
    }
    size_t head = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
    char *out = malloc(n - fl + tl + 1);
    memcpy(out, text, head);
    memcpy(out + head, to, tl);
    memcpy(out + head + tl, at + fl, n - head - fl + 1);
    int r = write_file(path, out, n - fl + tl);
    free(out);
    free(text);
    return r;
}

static int text_file(char path[PATH_CAP], const char *name, const char *text)
{
    scratch_path(path, name);
    return write_file(path, text, strlen(text));
}

static int make_json_not_model(char p[PATH_CAP])
{
    return text_file(p, "settings.json", "{\"name\": \"my preset\", \"volume\": 0.5, \"list\": [1, 2, 3]}\n");
}

/* The first 60 % of a good model. */
static int make_truncated(char p[PATH_CAP])
{
    char src[PATH_CAP];
    ref_path(src, "keras_lstm8.json");
    scratch_path(p, "truncated.json");
    size_t n;
    char *text = read_file(src, &n);
    if (!text) return -1;
    int r = write_file(p, text, n * 6 / 10);
    free(text);
    return r;
}

/* GuitarML's lin.weight must be [1][20]: give it [2][20] by doubling its only row. */
static int make_wrong_shape(char p[PATH_CAP])
{
    char src[PATH_CAP];
    ref_path(src, "guitarml_lstm20_skip.json");
    scratch_path(p, "wrong_shape.json");
    size_t n;
    char *text = read_file(src, &n);
    if (!text) return -1;
    char *key = strstr(text, "\"lin.weight\"");
    char *open = key ? strstr(key, "[[") : NULL;
    char *close = open ? strstr(open, "]]") : NULL;
    if (!close) {
        free(text);
        return -1;
    }
    /* [[row]] -> [[row],[row]] */
    size_t row_len = (size_t)(close - (open + 1)) + 1; /* "[" ... "]" */
    FILE *f = fopen(p, "wb");
    if (!f) {
        free(text);
        return -1;
    }
    fwrite(text, 1, (size_t)(close + 1 - text), f);
    fputc(',', f);
    fwrite(open + 1, 1, row_len, f);
    fputs(close + 1, f);
    free(text);
    return fclose(f);
}

static int make_missing_key(char p[PATH_CAP])
{
    return edit_ref(p, "guitarml_lstm20_skip.json", "missing_key.json", "\"lin.bias\"", "\"lin.bias_renamed\"");
}

static int make_nan_weight(char p[PATH_CAP])
{
    return edit_ref(p, "nam_lstm_1x3.nam", "nan_weight.nam", "\"weights\": [", "\"weights\": [NaN, ");
}

/* What Python's json.dumps writes for an overflowed float. */
static int make_inf_weight(char p[PATH_CAP])
{
    return edit_ref(p, "nam_lstm_1x3.nam", "inf_weight.nam", "\"weights\": [", "\"weights\": [-Infinity, ");
}

static int make_hidden_1e6(char p[PATH_CAP])
{
    return edit_ref(p, "nam_lstm_2x8.nam", "hidden_1e6.nam", "\"hidden_size\": 8", "\"hidden_size\": 1000000");
}

/* A Keras layer of 31623 units: 4 x 31623 x (1 + 31623) = 4e9 recurrent weights claimed. */
static int make_weights_1e9(char p[PATH_CAP])
{
    return edit_ref(p, "keras_lstm8.json", "weights_1e9.json", "                8\n", "                31623\n");
}

static int make_empty_file(char p[PATH_CAP]) { return text_file(p, "empty.json", ""); }

static int make_directory(char p[PATH_CAP])
{
    scratch_path(p, "folder.json");
    return mkdir(p, 0755);
}

static int make_binary_file(char p[PATH_CAP])
{
    unsigned char b[4096];
    unsigned s = 1;
    for (size_t i = 0; i < sizeof b; i++) b[i] = (unsigned char)((s = s * 1103515245u + 12345u) >> 16);
    scratch_path(p, "binary.nam");
    return write_file(p, b, sizeof b);
}

static int make_nam_wavenet(char p[PATH_CAP])
{
    return text_file(
        p, "wavenet.nam",
        "{\"version\": \"0.5.2\", \"architecture\": \"WaveNet\", \"config\": {\"layers\": [{\"input_size\": 1,"
        " \"condition_size\": 1, \"channels\": 16, \"head_size\": 8, \"kernel_size\": 3,"
        " \"dilations\": [1, 2, 4], \"activation\": \"Tanh\"}], \"head_scale\": 0.02},"
        " \"weights\": [0.1, -0.2, 0.3], \"sample_rate\": 48000}\n");
}

static int make_missing_model(char p[PATH_CAP])
{
    scratch_path(p, "no_such_model.json");
    return 0;
}

static int make_audio_not_audio(char p[PATH_CAP]) { return text_file(p, "notes.wav", "these are not samples\n"); }

static int make_audio_missing(char p[PATH_CAP])
{
    scratch_path(p, "no_such_input.wav");
    return 0;
}

static int make_audio_empty(char p[PATH_CAP])
{
    scratch_path(p, "no_samples.wav");
    return wav_write(p, 1, 48000, 0, NULL);
}

/* A WAV whose header (honestly) announces 600 M samples: a sparse file, so it costs no disk. */
static int make_audio_too_long(char p[PATH_CAP])
{
    const uint32_t n = 600u << 20;
    unsigned char h[44];
    memcpy(h, "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\xbb\0\0\x80\xbb\0\0\x01\0\x08\0data", 40);
    uint32_t riff = 36 + n;
    for (int i = 0; i < 4; i++) h[4 + i] = (unsigned char)(riff >> (8 * i)), h[40 + i] = (unsigned char)(n >> (8 * i));
    scratch_path(p, "too_long.wav");
    FILE *f = fopen(p, "wb");
    if (!f) return -1;
    int ok = fwrite(h, 1, sizeof h, f) == sizeof h && fflush(f) == 0 && ftruncate(fileno(f), (off_t)sizeof h + n) == 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int make_audio_directory(char p[PATH_CAP])
{
    scratch_path(p, "folder.wav");
    return mkdir(p, 0755);
}

static int make_output_missing_folder(char p[PATH_CAP])
{
    scratch_path(p, "no_such_folder/out.wav");
    return 0;
}

static const bad_case cases[] = {
    {"json_not_model", BAD_MODEL, "not a model", make_json_not_model},
    {"truncated", BAD_MODEL, "truncated", make_truncated},
    {"wrong_shape", BAD_MODEL, "shape", make_wrong_shape},
    {"missing_key", BAD_MODEL, "missing", make_missing_key},
    {"nan_weight", BAD_MODEL, "non-finite", make_nan_weight},
    {"inf_weight", BAD_MODEL, "non-finite", make_inf_weight},
    {"hidden_1e6", BAD_MODEL, "hidden_size", make_hidden_1e6},
    {"weights_1e9", BAD_MODEL, "31623", make_weights_1e9},
    {"empty_file", BAD_MODEL, "empty", make_empty_file},
    {"directory", BAD_MODEL, "directory", make_directory},
    {"binary_file", BAD_MODEL, "binary", make_binary_file},
    {"nam_wavenet", BAD_MODEL, "not supported", make_nam_wavenet},
    {"missing_model", BAD_MODEL, "no such file", make_missing_model},
    {"audio_not_audio", BAD_IN, "not an audio file", make_audio_not_audio},
    {"audio_missing", BAD_IN, "no such file", make_audio_missing},
    {"audio_empty", BAD_IN, "no audio", make_audio_empty},
    {"audio_directory", BAD_IN, "directory", make_audio_directory},
    {"audio_too_long", BAD_IN, "too long", make_audio_too_long},
    {"output_missing_folder", BAD_OUT, "folder does not exist", make_output_missing_folder},
};

const bad_case *bad_case_find(const char *name)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(cases[i].name, name)) return &cases[i];
    return NULL;
}

const bad_case *bad_case_at(size_t i) { return i < sizeof cases / sizeof cases[0] ? &cases[i] : NULL; }

void good_model(char path[PATH_CAP]) { ref_path(path, "keras_lstm8.json"); }

void good_input(char path[PATH_CAP])
{
    static float x[4800];
    scratch_path(path, "good_in.wav");
    if (file_exists(path)) return;
    test_signal(x, 4800, 48000, 1);
    wav_write(path, 1, 48000, 4800, x);
}
