// Known digests (NIST FIPS 180-2 examples and RFC 1321), shared by suites.
#pragma once

namespace fetchsum::test {

inline const char* sha512_empty
  = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
inline const char* sha512_abc
  = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
inline const char* sha512_million_a
  = "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
    "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b";
inline const char* sha256_abc
  = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
inline const char* md5_abc = "900150983cd24fb0d6963f7d28e17f72";

} // namespace fetchsum::test
