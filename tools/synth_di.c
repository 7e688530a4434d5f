/* synth_di.c - plucked-string guitar phrases (see synth_di.h). */
#include "synth_di.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N_STRINGS 6
#define PI 3.14159265358979323846

/* One event of a phrase: at `beat`, strum `frets` (MIDI notes per string, low E first; -1 =
 * not played) downwards (dir 1: low to high) or upwards (-1), or play single notes (dir 0).
 * `len` beats later the strings are muted (0: they ring until played again). */
typedef struct event {
    double beat, len;
    int dir;
    float velocity;
    int notes[N_STRINGS];
} event;

#define X (-1)
/* One chord a line, as in a chord chart (clang-format would spread each over four lines). */
// clang-format off
/* Standard tuning: E2 A2 D3 G3 B3 E4 = MIDI 40 45 50 55 59 64. */
#define EM {40, 47, 52, 55, 59, 64}
#define C_ {X, 48, 52, 55, 60, 64}
#define G_ {43, 47, 50, 55, 59, 67}
#define D_ {X, X, 50, 57, 62, 66}
#define AM {X, 45, 52, 57, 60, 64}
#define F_ {41, 48, 53, 57, 60, 65}
#define E5 {40, 47, 52, X, X, X}
#define A5 {X, 45, 52, 57, X, X}
#define NOTE(s, m) {s == 0 ? m : X, s == 1 ? m : X, s == 2 ? m : X, s == 3 ? m : X, s == 4 ? m : X, s == 5 ? m : X}
// clang-format on

/* ~8.8 s at 120 BPM: two bars of palm-muted E5/A5 chugs, a bar of strummed Em C G D, a bar of
 * E minor pentatonic riff, and a final ringing Em. */
static const event main_phrase[] = {
    {0.0, 0.35, 1, 0.9f, E5},
    {0.5, 0.35, 1, 0.7f, E5},
    {1.0, 0.35, 1, 0.8f, E5},
    {1.5, 0.35, 1, 0.7f, E5},
    {2.0, 0.9, 1, 1.0f, A5},
    {3.0, 0.35, 1, 0.7f, E5},
    {3.5, 0.35, 1, 0.8f, E5},
    {4.0, 0.35, 1, 0.9f, E5},
    {4.5, 0.35, 1, 0.7f, E5},
    {5.0, 0.35, 1, 0.8f, E5},
    {5.5, 0.35, 1, 0.7f, E5},
    {6.0, 1.0, 1, 1.0f, A5},
    {8.0, 0, 1, 1.0f, EM},
    {8.75, 0, -1, 0.5f, EM},
    {9.0, 0, 1, 0.9f, C_},
    {9.75, 0, -1, 0.5f, C_},
    {10.0, 0, 1, 0.9f, G_},
    {10.75, 0, -1, 0.5f, G_},
    {11.0, 0, 1, 0.9f, D_},
    {11.5, 0, -1, 0.6f, D_},
    {12.0, 0, 0, 0.9f, NOTE(0, 40)},
    {12.5, 0, 0, 0.8f, NOTE(0, 43)},
    {13.0, 0, 0, 0.9f, NOTE(1, 45)},
    {13.5, 0, 0, 0.8f, NOTE(1, 47)},
    {13.75, 0, 0, 0.7f, NOTE(1, 48)},
    {14.0, 0, 0, 0.9f, NOTE(2, 50)},
    {14.5, 0, 0, 0.8f, NOTE(2, 52)},
    {15.0, 0, 0, 1.0f, NOTE(3, 55)},
    {15.25, 0, 0, 0.8f, NOTE(3, 57)},
    {15.5, 0, 0, 0.9f, NOTE(2, 52)},
    {16.0, 0, 1, 1.0f, EM},
};

/* ~3.8 s at 120 BPM: Am and F strummed, then an A minor lick with a bend-free slide down. */
static const event test_phrase[] = {
    {0.0, 0, 1, 1.0f, AM},           {0.5, 0, -1, 0.5f, AM},         {1.0, 0, 1, 0.8f, AM},
    {1.5, 0, -1, 0.6f, AM},          {2.0, 0, 1, 1.0f, F_},          {2.75, 0, -1, 0.5f, F_},
    {3.0, 0.4, 1, 0.9f, E5},         {3.5, 0.4, 1, 0.8f, E5},        {4.0, 0, 0, 0.9f, NOTE(3, 57)},
    {4.25, 0, 0, 0.8f, NOTE(3, 60)}, {4.5, 0, 0, 0.9f, NOTE(4, 62)}, {4.75, 0, 0, 0.7f, NOTE(4, 64)},
    {5.0, 0, 0, 1.0f, NOTE(5, 67)},  {5.5, 0, 0, 0.8f, NOTE(4, 64)}, {5.75, 0, 0, 0.8f, NOTE(3, 60)},
    {6.0, 0, 1, 1.0f, AM},
};

#define BPM 120.0
#define TAIL_S 0.8        /* what rings after the last event */
#define STRUM_GAP_S 0.011 /* between strings of a strum */
#define MUTE_S 0.02       /* a muted string dies within about this */

static const event *phrase_events(rnnfx_phrase p, size_t *n)
{
    if (p == RNNFX_PHRASE_TEST) {
        *n = sizeof test_phrase / sizeof *test_phrase;
        return test_phrase;
    }
    *n = sizeof main_phrase / sizeof *main_phrase;
    return main_phrase;
}

size_t rnnfx_phrase_frames(rnnfx_phrase p, double rate)
{
    size_t n;
    const event *ev = phrase_events(p, &n);
    return (size_t)((ev[n - 1].beat * 60.0 / BPM + TAIL_S) * rate);
}

/* xorshift32: the pick's noise, the same on every machine */
static float noise(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return (float)((double)*s / 2147483648.0 - 1.0);
}

/* One plucked string from sample `start` to `stop` (where it is muted: it then dies within
 * MUTE_S), added into out[0..frames). */
static int pluck(float *out, size_t frames, double rate, size_t start, size_t stop, int midi, float velocity,
                 uint32_t *seed)
{
    double f = 440.0 * pow(2.0, (midi - 69) / 12.0);
    /* the loop delays by one period: N whole samples + the averaging filter's half sample + the
     * allpass's fractional part d (0.1..1.1: its delay is flattest there) */
    double period = rate / f;
    int n = (int)floor(period - 0.5 - 0.1);
    double d = period - 0.5 - n;
    float ap_c = (float)((1.0 - d) / (1.0 + d));
    float *line = calloc((size_t)n, sizeof *line);
    if (!line) return -1;
    /* the pick: a burst of noise one period long, darker when softer, through a comb for the
     * pick position (an eighth of the string from the bridge) */
    float bright = 0.25f + 0.6f * velocity, lp = 0;
    int comb = n / 8 > 1 ? n / 8 : 1;
    for (int i = 0; i < n; i++) line[i] = lp += bright * (noise(seed) - lp);
    float mean = 0;
    for (int i = 0; i < n; i++) mean += line[i];
    mean /= (float)n;
    for (int i = n - 1; i >= comb; i--) line[i] = (line[i] - mean) - (line[i - comb] - mean);
    for (int i = 0; i < comb; i++) line[i] -= mean;
    /* decay per period: low strings ring ~4 s, high ones ~2 s (to -60 dB) */
    double t60 = 4.0 - 2.0 * (midi - 40) / 30.0;
    float g = (float)pow(10.0, -3.0 / (t60 * f));
    float g_mute = (float)pow(10.0, -3.0 / (MUTE_S * f));
    float amp = 0.9f * velocity;
    float prev = 0, ap_x = 0, ap_y = 0;
    size_t end = stop + (size_t)(3 * MUTE_S * rate);
    int at = 0;
    for (size_t t = start; t < end && t < frames; t++) {
        float y = line[at];
        out[t] += amp * y;
        /* loop filter: average of two samples (the string's losses), the fractional delay,
         * the decay (much faster once muted) */
        float avg = 0.5f * (y + prev);
        prev = y;
        float ap = ap_c * avg + ap_x - ap_c * ap_y;
        ap_x = avg;
        ap_y = ap;
        line[at] = ap * (t < stop ? g : g_mute);
        if (++at == n) at = 0;
    }
    free(line);
    return 0;
}

int rnnfx_phrase_render(rnnfx_phrase p, double rate, float *out, size_t frames)
{
    size_t n_ev;
    const event *ev = phrase_events(p, &n_ev);
    memset(out, 0, frames * sizeof *out);
    uint32_t seed = p == RNNFX_PHRASE_TEST ? 0x2545F491u : 0x9E3779B9u;
    double beat_s = 60.0 / BPM;
    for (size_t e = 0; e < n_ev; e++) {
        int k = 0;
        for (int s = 0; s < N_STRINGS; s++) {
            int str = ev[e].dir < 0 ? N_STRINGS - 1 - s : s;
            int midi = ev[e].notes[str];
            if (midi < 0) continue;
            /* an upstroke catches only the top four strings */
            if (ev[e].dir < 0 && str < 2) continue;
            double t0 = ev[e].beat * beat_s + (ev[e].dir ? STRUM_GAP_S * k++ : 0.0);
            /* rings until muted, or until the next event that plays this string */
            double t1 = ev[e].len > 0 ? (ev[e].beat + ev[e].len) * beat_s : INFINITY;
            for (size_t f = e + 1; f < n_ev; f++)
                if (ev[f].notes[str] >= 0 && !(ev[f].dir < 0 && str < 2)) {
                    double next = ev[f].beat * beat_s;
                    if (next < t1) t1 = next;
                    break;
                }
            if (!isfinite(t1)) t1 = (double)frames / rate;
            float vel = ev[e].velocity * (ev[e].dir < 0 ? 0.8f : 1.0f);
            if (pluck(out, frames, rate, (size_t)(t0 * rate), (size_t)(t1 * rate), midi, vel, &seed)) return -1;
        }
    }
    /* the pickup and cable: a gentle lowpass (~4 kHz) and a DC blocker; then the level of a
     * guitar DI (peak -12 dBFS) */
    float a = (float)(1.0 - exp(-2.0 * PI * 4000.0 / rate)), r = (float)exp(-2.0 * PI * 20.0 / rate);
    float lp = 0, x1 = 0, y1 = 0, peak = 0;
    for (size_t t = 0; t < frames; t++) {
        lp += a * (out[t] - lp);
        float y = lp - x1 + r * y1;
        x1 = lp;
        y1 = y;
        out[t] = y;
        if (fabsf(y) > peak) peak = fabsf(y);
    }
    if (peak > 0) {
        float scale = 0.25f / peak;
        for (size_t t = 0; t < frames; t++) out[t] *= scale;
    }
    return 0;
}
