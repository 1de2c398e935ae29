/*
 * crypto/keccak_bmi.c - the scalar Keccak kernels again, compiled with
 * BMI1/BMI2 enabled (and-not and flag-free rotates shorten every chi and
 * rho step).  keccak.c calls them only when the CPU reports both
 * extensions; on other architectures this file is empty.
 */
#include "crypto/sha3_internal.h"

#ifdef MN__SHA3_X86
#define MN__KS(name) mn__ks_bmi_##name
#include "crypto/keccak_scalar.h"
#undef MN__KS
#else
typedef int mn__keccak_bmi_unused;
#endif
