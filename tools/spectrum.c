/* spectrum.c - Welch power spectra with FFTW (see spectrum.h). */
#include "spectrum.h"

#include <fftw3.h>
#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846

int rnnfx_spectrum_db(const float *x, size_t n, int nfft, float *db)
{
    int bins = nfft / 2 + 1;
    float *frame = fftwf_malloc(sizeof(float) * (size_t)nfft);
    fftwf_complex *spec = fftwf_malloc(sizeof(fftwf_complex) * (size_t)bins);
    double *win = fftwf_malloc(sizeof(double) * (size_t)nfft);
    double *power = fftwf_malloc(sizeof(double) * (size_t)bins);
    fftwf_plan plan = frame && spec ? fftwf_plan_dft_r2c_1d(nfft, frame, spec, FFTW_ESTIMATE) : NULL;
    if (!plan || !win || !power) {
        if (plan) fftwf_destroy_plan(plan);
        fftwf_free(frame), fftwf_free(spec), fftwf_free(win), fftwf_free(power);
        return -1;
    }
    /* Hann window, scaled so that a full-scale sine reads 0 dB at its peak bin */
    double wsum = 0;
    for (int i = 0; i < nfft; i++) wsum += win[i] = 0.5 - 0.5 * cos(2.0 * PI * i / nfft);
    memset(power, 0, sizeof(double) * (size_t)bins);
    size_t hop = (size_t)nfft / 2, frames = 0;
    for (size_t at = 0; frames == 0 || at + (size_t)nfft <= n; at += hop) {
        for (int i = 0; i < nfft; i++) frame[i] = at + (size_t)i < n ? (float)(x[at + (size_t)i] * win[i]) : 0.0f;
        fftwf_execute(plan);
        for (int k = 0; k < bins; k++) power[k] += (double)spec[k][0] * spec[k][0] + (double)spec[k][1] * spec[k][1];
        frames++;
    }
    double norm = (wsum / 2.0) * (wsum / 2.0) * (double)frames;
    for (int k = 0; k < bins; k++) db[k] = (float)(10.0 * log10(power[k] / norm + 1e-20));
    fftwf_destroy_plan(plan);
    fftwf_free(frame), fftwf_free(spec), fftwf_free(win), fftwf_free(power);
    return 0;
}
