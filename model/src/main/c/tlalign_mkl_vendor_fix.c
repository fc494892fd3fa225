/*
 * Answers oneMKL's "is this an Intel CPU?" question with yes, so that the MKL linked into DJL's
 * libtorch dispatches on the CPU's instruction set (AVX2, AVX-512) instead of running its generic
 * code path on other vendors' CPUs. MKL still picks its kernels from the CPUID feature bits, so it
 * only uses instructions the CPU has.
 *
 * libtorch_cpu.so calls mkl_serv_intel_cpu_true through its PLT, so a definition that is in the
 * global symbol scope before libtorch_cpu.so binds the call wins: LD_PRELOAD, or (what tlalign
 * does, see io.tlalign.model.BlasPath) dlopen with RTLD_GLOBAL before DJL loads the engine. On an
 * Intel CPU MKL's own function returns 1 as well, so this changes nothing there.
 *
 * tlalign_mkl_vendor_fix_calls counts the answers: a count above 0 proves MKL asked this library.
 */
#include <stdatomic.h>

static atomic_long answered;

int mkl_serv_intel_cpu_true(void) {
  atomic_fetch_add_explicit(&answered, 1, memory_order_relaxed);
  return 1;
}

long tlalign_mkl_vendor_fix_calls(void) {
  return atomic_load_explicit(&answered, memory_order_relaxed);
}
