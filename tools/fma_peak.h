/*
 * fma_peak.h - this CPU's floor for `rnnfx bench`: the single-core throughput of fused
 * multiply-adds, measured, not looked up. A recurrent cell needs (multiply-adds per sample) of
 * them at the very least, so (MACs per sample) / (MACs per second) is the time no kernel can beat;
 * the bench reports each figure as a ratio to it.
 */
#ifndef RNNFX_TOOLS_FMA_PEAK_H
#define RNNFX_TOOLS_FMA_PEAK_H

/* The loop's instruction set for an engine kernel name: "avx512", "avx2+fma" or "generic". */
const char *rnnfx_fma_isa_for_kernel(const char *kernel);

/* Measures the FMA loop of `isa` (median of `runs` runs of ~20 ms each). Returns the throughput
 * in GFLOP/s (2 flops per multiply-add), or 0 when this CPU cannot run that loop. */
double rnnfx_fma_peak_gflops(const char *isa, int runs);

#endif
