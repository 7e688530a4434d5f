/*
 * spectrum.h - the average power spectrum of a signal (Welch's method: Hann-windowed frames,
 * half overlapping, FFT by FFTW), in dB, for the demo's picture.
 */
#ifndef RNNFX_TOOLS_SPECTRUM_H
#define RNNFX_TOOLS_SPECTRUM_H

#include <stddef.h>

/* x[0..n) -> db[0..nfft/2] (bin k at k * rate / nfft Hz): 10 log10 of the mean power per
 * bin, 0 dB = a full-scale sine. nfft: a power of two >= 16; a signal shorter than one frame is
 * zero-padded. Returns 0, or -1 if out of memory. */
int rnnfx_spectrum_db(const float *x, size_t n, int nfft, float *db);

#endif
