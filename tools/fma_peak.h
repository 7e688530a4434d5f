/*
 * fma_peak.h - this CPU's floors for `rnnfx bench`: the single-core throughput of fused
 * multiply-adds, measured, not looked up. A recurrent cell needs (multiply-adds per sample) of
 * them at the very least, so (MACs per sample) / (MACs per second) is the time no kernel can beat;
 * the bench reports each figure as a ratio to it.
 *
 * Two rates. The peak: independent FMAs on registers only, what the FMA units can do. The stream:
 * the same FMAs, each taking one operand from a buffer read in order, as big as the model's
 * weights. A recurrent layer reads every weight once per sample; while they fit in L1 (32-48 KB
 * on current x86 cores) the loads keep up with the FMAs, beyond that the weights come from L2 and
 * the FMAs wait on them (on a Zen 5 from 64 KB on: ~1.5 FMAs a cycle instead of 2 with AVX2,
 * ~0.7 with AVX-512). The stream rate with a buffer of the model's size is the floor that
 * accounts for this.
 *
 * Both run for a few tens of milliseconds each call; neither is for real-time use.
 */
#ifndef RNNFX_TOOLS_FMA_PEAK_H
#define RNNFX_TOOLS_FMA_PEAK_H

#include <stddef.h>

/* The loop's instruction set for an engine kernel name: "avx512", "avx2+fma" or "generic". */
const char *rnnfx_fma_isa_for_kernel(const char *kernel);

/* Measures the FMA loop of `isa` (median of `runs` runs of ~20 ms each). Returns the throughput
 * in GFLOP/s (2 flops per multiply-add), or 0 when this CPU cannot run that loop. */
double rnnfx_fma_peak_gflops(const char *isa, int runs);

/* Measures the streaming FMA loop of `isa` over a buffer of `bytes` bytes (rounded up to whole
 * rows of one vector per accumulator: 1 KB with avx512, 384 bytes otherwise), allocated
 * (64-byte aligned) and freed here. Returns its throughput as a fraction of the peak loop's, the
 * two timed in alternation (`runs` runs of ~20 ms of each, the fastest of each kept), so that a
 * slow spell of a shared machine does not count; times rnnfx_fma_peak_gflops that is the
 * stream's GFLOP/s. About 1 while the buffer fits in L1, less beyond. Returns 0 when this CPU
 * cannot run that loop or the buffer cannot be allocated. */
double rnnfx_fma_stream_of_peak(const char *isa, size_t bytes, int runs);

#endif
