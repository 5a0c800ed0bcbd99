/*
 * Copyright (c) 2013 Damien Miller <djm@mindrot.org>
 *
 * Adapted by Will Cosgrove <will@panic.com> for libssh2
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */

/* $OpenBSD: cipher-chachapoly.c,v 1.8 2016/08/03 05:41:57 djm Exp $ */

#include "libssh2_priv.h"
#include "cipher-chachapoly.h"

static int chachapoly_timingsafe_bcmp(const void *b1, const void *b2, size_t n)
{
    const unsigned char *p1 = b1, *p2 = b2;
    int ret = 0;

    for(; n > 0; n--)
        ret |= *p1++ ^ *p2++;
    return ret != 0;
}

int chachapoly_init(struct chachapoly_ctx *ctx, const unsigned char *key,
                    size_t keylen)
{
    if(keylen != (32 + 32)) /* 2 x 256-bit keys */
        return LIBSSH2_ERROR_INVAL;
    chacha_keysetup(&ctx->main_ctx, key, 256);
    chacha_keysetup(&ctx->header_ctx, key + 32, 256);
#if LIBSSH2_CHACHAPOLY_EVP
    /* Key now, IV (block counter and sequence number) per packet. Should
       OpenSSL refuse ChaCha20 (e.g. a FIPS-only provider), fall back to
       chacha.c rather than fail the session. */
    ctx->main_evp = EVP_CIPHER_CTX_new();
    if(ctx->main_evp &&
       EVP_EncryptInit_ex(ctx->main_evp, EVP_chacha20(), NULL, key,
                          NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx->main_evp);
        ctx->main_evp = NULL;
    }
#endif
#if LIBSSH2_CHACHAPOLY_EVP_MAC
    ctx->poly_evp = NULL;
    {
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
        if(mac) {
            ctx->poly_evp = EVP_MAC_CTX_new(mac); /* holds its own ref */
            EVP_MAC_free(mac);
        }
    }
#endif
    return 0;
}

void chachapoly_free(struct chachapoly_ctx *ctx)
{
#if LIBSSH2_CHACHAPOLY_EVP
    if(ctx->main_evp) {
        EVP_CIPHER_CTX_free(ctx->main_evp); /* also wipes the key */
        ctx->main_evp = NULL;
    }
#endif
#if LIBSSH2_CHACHAPOLY_EVP_MAC
    if(ctx->poly_evp) {
        EVP_MAC_CTX_free(ctx->poly_evp); /* also wipes the last key */
        ctx->poly_evp = NULL;
    }
#endif
    (void)ctx;
}

/* The Poly1305 tag of 'len' bytes at 'm' under the one-time 'key'. */
static int chachapoly_tag(struct chachapoly_ctx *ctx,
                          unsigned char out[POLY1305_TAGLEN],
                          const unsigned char *m, size_t len,
                          const unsigned char key[POLY1305_KEYLEN])
{
#if LIBSSH2_CHACHAPOLY_EVP_MAC
    if(ctx->poly_evp) {
        size_t outl = 0;
        return EVP_MAC_init(ctx->poly_evp, key, POLY1305_KEYLEN,
                            NULL) == 1 &&
               EVP_MAC_update(ctx->poly_evp, m, len) == 1 &&
               EVP_MAC_final(ctx->poly_evp, out, &outl,
                             POLY1305_TAGLEN) == 1 &&
               outl == POLY1305_TAGLEN ? 0 : -1;
    }
#endif
    (void)ctx;
    poly1305_auth(out, m, len, key);
    return 0;
}

/* Encrypts (or decrypts: the same operation) the payload with the main key,
   block counter 1 and the packet sequence number as nonce. */
static int chachapoly_payload(struct chachapoly_ctx *ctx,
                              const unsigned char seqbuf[8],
                              const unsigned char one[8],
                              unsigned char *dest, const unsigned char *src,
                              size_t len)
{
#if LIBSSH2_CHACHAPOLY_EVP
    if(ctx->main_evp && len <= INT_MAX) {
        /* OpenSSL's 16-byte ChaCha20 IV is the whole last row of the state:
           a 64-bit little-endian block counter, then the 64-bit nonce, the
           same layout as chacha_ivsetup(ctx, seqbuf, one) below. */
        unsigned char iv[16];
        int outl = 0;
        int ok;

        memcpy(iv, one, 8);
        memcpy(iv + 8, seqbuf, 8);
        ok = EVP_EncryptInit_ex(ctx->main_evp, NULL, NULL, NULL, iv) == 1 &&
             EVP_EncryptUpdate(ctx->main_evp, dest, &outl, src,
                               (int)len) == 1 &&
             (size_t)outl == len;
        ssh2_explicit_zero(iv, sizeof(iv));
        return ok ? 0 : -1;
    }
#endif
    chacha_ivsetup(&ctx->main_ctx, seqbuf, one);
    chacha_encrypt_bytes(&ctx->main_ctx, src, dest, len);
    return 0;
}

/*
 * chachapoly_crypt() operates as following:
 * En/decrypt with header key 'aadlen' bytes from 'src', storing result
 * to 'dest'. The ciphertext here is treated as additional authenticated
 * data for MAC calculation.
 * En/decrypt 'len' bytes at offset 'aadlen' from 'src' to 'dest'. Use
 * POLY1305_TAGLEN bytes at offset 'len'+'aadlen' as the authentication
 * tag. This tag is written on encryption and verified on decryption.
 */
int chachapoly_crypt(struct chachapoly_ctx *ctx, libssh2_uint64_t seqnr,
                     unsigned char *dest, const unsigned char *src, size_t len,
                     size_t aadlen, int do_encrypt)
{
    static const unsigned char one[8] = {
        1, 0, 0, 0, 0, 0, 0, 0  /* NB little-endian */
    };
    unsigned char seqbuf[8];
    unsigned char expected_tag[POLY1305_TAGLEN], poly_key[POLY1305_KEYLEN];
    int r = LIBSSH2_ERROR_DECRYPT;  /* fail */
    unsigned char *ptr = NULL;

    /*
     * Run ChaCha20 once to generate the Poly1305 key. The IV is the
     * packet sequence number.
     */
    memset(poly_key, 0, sizeof(poly_key));
    ptr = &seqbuf[0];
    ssh2_store_u64(&ptr, seqnr);
    chacha_ivsetup(&ctx->main_ctx, seqbuf, NULL);
    chacha_encrypt_bytes(&ctx->main_ctx, poly_key, poly_key, sizeof(poly_key));

    /* If decrypting, check tag before anything else */
    if(!do_encrypt) {
        const unsigned char *tag = src + aadlen + len;

        if(chachapoly_tag(ctx, expected_tag, src, aadlen + len, poly_key) ||
           chachapoly_timingsafe_bcmp(expected_tag, tag, POLY1305_TAGLEN))
            goto out;
    }

    /* Crypt additional data */
    if(aadlen) {
        chacha_ivsetup(&ctx->header_ctx, seqbuf, NULL);
        chacha_encrypt_bytes(&ctx->header_ctx, src, dest, aadlen);
    }

    /* Set Chacha's block counter to 1 */
    if(chachapoly_payload(ctx, seqbuf, one, dest + aadlen, src + aadlen, len))
        goto out;

    /* If encrypting, calculate and append tag */
    if(do_encrypt &&
       chachapoly_tag(ctx, dest + aadlen + len, dest, aadlen + len,
                      poly_key))
        goto out;

    r = LIBSSH2_ERROR_NONE;
out:
    ssh2_explicit_zero(expected_tag, sizeof(expected_tag));
    ssh2_explicit_zero(seqbuf, sizeof(seqbuf));
    ssh2_explicit_zero(poly_key, sizeof(poly_key));
    return r;
}

/* Decrypt and extract the encrypted packet length */
int chachapoly_get_length(struct chachapoly_ctx *ctx, unsigned int *plenp,
                          libssh2_uint64_t seqnr, const unsigned char *cp,
                          size_t len)
{
    unsigned char buf[4], seqbuf[8];
    unsigned char *ptr = NULL;

    if(len < 4)
        return -1;  /* fail */
    ptr = &seqbuf[0];
    ssh2_store_u64(&ptr, seqnr);
    chacha_ivsetup(&ctx->header_ctx, seqbuf, NULL);
    chacha_encrypt_bytes(&ctx->header_ctx, cp, buf, 4);
    *plenp = ssh2_ntohu32(buf);
    return 0;  /* success */
}
