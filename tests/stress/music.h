/*
 * music.h - test signals for the stress tests: a made-up band (chords and single notes of a few
 * band-limited voices, plucked or bowed, from pianissimo to fortissimo, with rests and a noise
 * floor) and a little xorshift random generator for everything else that is random.
 */
#ifndef RNNFX_TESTS_STRESS_MUSIC_H
#define RNNFX_TESTS_STRESS_MUSIC_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s;
} Rng;

static inline uint32_t rng_u32(Rng *r)
{
    r->s ^= r->s << 13, r->s ^= r->s >> 7, r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 11);
}
static inline double rng_01(Rng *r) { return (rng_u32(r) & 0xFFFFFF) / 16777216.0; }
static inline uint32_t rng_below(Rng *r, uint32_t n) { return n ? rng_u32(r) % n : 0; }
static inline Rng rng_seed(uint64_t seed) { return (Rng){seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull}; }

/* n samples at `rate`, peaks below 1. Caller frees. */
float *music(size_t n, double rate, uint64_t seed);

#endif
