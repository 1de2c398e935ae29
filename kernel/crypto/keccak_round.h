/*
 * crypto/keccak_round.h - one round of Keccak-f[1600], written once for
 * every lane type (a 64-bit integer, or a SIMD vector holding one lane of
 * several independent states).
 *
 * The includer defines:
 *   KT                   the lane type
 *   KXOR(a, b)           a ^ b
 *   KXOR5(a, b, c, d, e) a ^ b ^ c ^ d ^ e
 *   KROL(a, n)           each 64-bit lane rotated left by n (1..63)
 *   KCHI(a, b, c)        a ^ (~b & c)
 *   KRC(i)               round constant i as a KT
 * and may define
 *   KXOR3(a, b, c)       a ^ b ^ c in one operation, which then replaces
 *                        theta's shared D values (AVX-512 ternary logic)
 *
 * A state is 25 variables named <prefix><x><y> (lane x + 5y of FIPS 202).
 * MN__KECCAK_ROUND(A, E, i) reads state A and writes round i's result into
 * state E; two calls with the roles swapped make a double round, so no lane
 * is ever copied.  The five output rows are computed one at a time: row y of
 * the result takes its inputs from lanes (x + 3y mod 5, x) after theta and
 * the rho rotations (the pi step), then chi mixes the row.
 */
#ifndef MN_KECCAK_ROUND_H
#define MN_KECCAK_ROUND_H

/* Rotation amounts r[x][y] of the rho step appear inline below:
 *        y=0 y=1 y=2 y=3 y=4
 *   x=0    0  36   3  41  18
 *   x=1    1  44  10  45   2
 *   x=2   62   6  43  15  61
 *   x=3   28  55  25  21  56
 *   x=4   27  20  39   8  14 */

/* Theta applied to a lane of column x: a ^ D[x], where
 * D[x] = C[x-1] ^ rol(C[x+1], 1). */
#define MN__KTH(a, d, cm, rp) MN__KTH_(a, d, cm, rp)
#ifdef KXOR3
#define MN__KTH_(a, d, cm, rp) KXOR3(a, cm, rp)
#else
#define MN__KTH_(a, d, cm, rp) KXOR(a, d)
#endif
#define MN__KTH0(a) MN__KTH(a, k_d0, k_c4, k_r1)
#define MN__KTH1(a) MN__KTH(a, k_d1, k_c0, k_r2)
#define MN__KTH2(a) MN__KTH(a, k_d2, k_c1, k_r3)
#define MN__KTH3(a) MN__KTH(a, k_d3, k_c2, k_r4)
#define MN__KTH4(a) MN__KTH(a, k_d4, k_c3, k_r0)

#define MN__KECCAK_CHI_ROW(E, y, b0, b1, b2, b3, b4)                           \
  E##0##y = KCHI(b0, b1, b2);                                                  \
  E##1##y = KCHI(b1, b2, b3);                                                  \
  E##2##y = KCHI(b2, b3, b4);                                                  \
  E##3##y = KCHI(b3, b4, b0);                                                  \
  E##4##y = KCHI(b4, b0, b1)

#define MN__KECCAK_ROUND(A, E, i)                                              \
  do {                                                                         \
    KT k_c0 = KXOR5(A##00, A##01, A##02, A##03, A##04);                        \
    KT k_c1 = KXOR5(A##10, A##11, A##12, A##13, A##14);                        \
    KT k_c2 = KXOR5(A##20, A##21, A##22, A##23, A##24);                        \
    KT k_c3 = KXOR5(A##30, A##31, A##32, A##33, A##34);                        \
    KT k_c4 = KXOR5(A##40, A##41, A##42, A##43, A##44);                        \
    KT k_r0 = KROL(k_c0, 1);                                                   \
    KT k_r1 = KROL(k_c1, 1);                                                   \
    KT k_r2 = KROL(k_c2, 1);                                                   \
    KT k_r3 = KROL(k_c3, 1);                                                   \
    KT k_r4 = KROL(k_c4, 1);                                                   \
    KT k_d0 = KXOR(k_c4, k_r1);                                                \
    KT k_d1 = KXOR(k_c0, k_r2);                                                \
    KT k_d2 = KXOR(k_c1, k_r3);                                                \
    KT k_d3 = KXOR(k_c2, k_r4);                                                \
    KT k_d4 = KXOR(k_c3, k_r0);                                                \
    (void)k_d0, (void)k_d1, (void)k_d2, (void)k_d3, (void)k_d4;                \
    KT k_b0, k_b1, k_b2, k_b3, k_b4;                                           \
    k_b0 = MN__KTH0(A##00);                                                    \
    k_b1 = KROL(MN__KTH1(A##11), 44);                                          \
    k_b2 = KROL(MN__KTH2(A##22), 43);                                          \
    k_b3 = KROL(MN__KTH3(A##33), 21);                                          \
    k_b4 = KROL(MN__KTH4(A##44), 14);                                          \
    MN__KECCAK_CHI_ROW(E, 0, k_b0, k_b1, k_b2, k_b3, k_b4);                    \
    E##00 = KXOR(E##00, KRC(i));                                               \
    k_b0 = KROL(MN__KTH3(A##30), 28);                                          \
    k_b1 = KROL(MN__KTH4(A##41), 20);                                          \
    k_b2 = KROL(MN__KTH0(A##02), 3);                                           \
    k_b3 = KROL(MN__KTH1(A##13), 45);                                          \
    k_b4 = KROL(MN__KTH2(A##24), 61);                                          \
    MN__KECCAK_CHI_ROW(E, 1, k_b0, k_b1, k_b2, k_b3, k_b4);                    \
    k_b0 = KROL(MN__KTH1(A##10), 1);                                           \
    k_b1 = KROL(MN__KTH2(A##21), 6);                                           \
    k_b2 = KROL(MN__KTH3(A##32), 25);                                          \
    k_b3 = KROL(MN__KTH4(A##43), 8);                                           \
    k_b4 = KROL(MN__KTH0(A##04), 18);                                          \
    MN__KECCAK_CHI_ROW(E, 2, k_b0, k_b1, k_b2, k_b3, k_b4);                    \
    k_b0 = KROL(MN__KTH4(A##40), 27);                                          \
    k_b1 = KROL(MN__KTH0(A##01), 36);                                          \
    k_b2 = KROL(MN__KTH1(A##12), 10);                                          \
    k_b3 = KROL(MN__KTH2(A##23), 15);                                          \
    k_b4 = KROL(MN__KTH3(A##34), 56);                                          \
    MN__KECCAK_CHI_ROW(E, 3, k_b0, k_b1, k_b2, k_b3, k_b4);                    \
    k_b0 = KROL(MN__KTH2(A##20), 62);                                          \
    k_b1 = KROL(MN__KTH3(A##31), 55);                                          \
    k_b2 = KROL(MN__KTH4(A##42), 39);                                          \
    k_b3 = KROL(MN__KTH0(A##03), 41);                                          \
    k_b4 = KROL(MN__KTH1(A##14), 2);                                           \
    MN__KECCAK_CHI_ROW(E, 4, k_b0, k_b1, k_b2, k_b3, k_b4);                    \
  } while (0)

/* Declares the 25 lanes of state P (uninitialised). */
#define MN__KECCAK_DECL(P)                                                     \
  KT P##00, P##10, P##20, P##30, P##40, P##01, P##11, P##21, P##31, P##41,     \
      P##02, P##12, P##22, P##32, P##42, P##03, P##13, P##23, P##33, P##43,    \
      P##04, P##14, P##24, P##34, P##44

/* Applies M(lane, index) to every lane of P in index order x + 5y. */
#define MN__KECCAK_EACH(P, M)                                                  \
  M(P##00, 0);                                                                 \
  M(P##10, 1);                                                                 \
  M(P##20, 2);                                                                 \
  M(P##30, 3);                                                                 \
  M(P##40, 4);                                                                 \
  M(P##01, 5);                                                                 \
  M(P##11, 6);                                                                 \
  M(P##21, 7);                                                                 \
  M(P##31, 8);                                                                 \
  M(P##41, 9);                                                                 \
  M(P##02, 10);                                                                \
  M(P##12, 11);                                                                \
  M(P##22, 12);                                                                \
  M(P##32, 13);                                                                \
  M(P##42, 14);                                                                \
  M(P##03, 15);                                                                \
  M(P##13, 16);                                                                \
  M(P##23, 17);                                                                \
  M(P##33, 18);                                                                \
  M(P##43, 19);                                                                \
  M(P##04, 20);                                                                \
  M(P##14, 21);                                                                \
  M(P##24, 22);                                                                \
  M(P##34, 23);                                                                \
  M(P##44, 24)

/* The 17 lanes of the SHA3-256 rate (136 bytes), in index order. */
#define MN__KECCAK_EACH_RATE(P, M)                                             \
  M(P##00, 0);                                                                 \
  M(P##10, 1);                                                                 \
  M(P##20, 2);                                                                 \
  M(P##30, 3);                                                                 \
  M(P##40, 4);                                                                 \
  M(P##01, 5);                                                                 \
  M(P##11, 6);                                                                 \
  M(P##21, 7);                                                                 \
  M(P##31, 8);                                                                 \
  M(P##41, 9);                                                                 \
  M(P##02, 10);                                                                \
  M(P##12, 11);                                                                \
  M(P##22, 12);                                                                \
  M(P##32, 13);                                                                \
  M(P##42, 14);                                                                \
  M(P##03, 15);                                                                \
  M(P##13, 16)

/* All 24 rounds on state A, using E as scratch; the result is back in A. */
#define MN__KECCAK_PERMUTE(A, E)                                               \
  do {                                                                         \
    for (int k_round = 0; k_round < 24; k_round += 2) {                        \
      MN__KECCAK_ROUND(A, E, k_round);                                         \
      MN__KECCAK_ROUND(E, A, k_round + 1);                                     \
    }                                                                          \
  } while (0)

#endif
