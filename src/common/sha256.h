// SHA-256 over OpenSSL's EVP interface, streaming or one-shot, hex-encoded.
//
//   Sha256 h; h.Update(chunk1); h.Update(chunk2); std::string hex = h.FinishHex();
//   std::string d = Sha256Hex("abc");  // "ba7816bf..."
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace skewgate {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // Lower-case hex of the digest. The object must not be used afterwards.
  std::string FinishHex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string Sha256Hex(std::string_view data);

}  // namespace skewgate
