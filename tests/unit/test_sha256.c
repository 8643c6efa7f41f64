/* Unit tests for sha256: the FIPS 180-4 test vectors, whole and streamed. */
#include "test.h"
#include "sha256.h"

static void sha_of(const char *s, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, s, strlen(s));
	sha256_final_hex(&c, hex);
}

static void known_vectors(void)
{
	char hex[65];
	sha_of("", hex);
	EXPECT_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_of("abc", hex);
	EXPECT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
	EXPECT_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* One million 'a', fed in uneven pieces: the streaming path. */
	struct sha256 c;
	char buf[997];
	memset(buf, 'a', sizeof(buf));
	sha256_init(&c);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);
		sha256_update(&c, buf, n);
		left -= n;
	}
	sha256_final_hex(&c, hex);
	EXPECT_STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(sha256_known_vectors)
{
	known_vectors();
}

/* The same vectors through the portable code, and a long pseudo-random input both
 * ways: on a CPU with the SHA extensions the two must agree. */
TEST(sha256_portable_and_accelerated_agree)
{
	static unsigned char data[1 << 20];
	char fast[65], slow[65];
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < sizeof(data); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	for (int generic = 0; generic < 2; generic++) {
		struct sha256 c;
		sha256_use_generic(generic);
		known_vectors();
		sha256_init(&c);
		sha256_update(&c, data, 3);             /* a partial block first */
		sha256_update(&c, data + 3, sizeof(data) - 3);
		sha256_final_hex(&c, generic ? slow : fast);
	}
	sha256_use_generic(0);
	EXPECT_STREQ(fast, slow);
}
