#include "sidecar/json_doc.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace skewgate::sidecar {
namespace {

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t Utf8SeqLen(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

struct Frame {
  uint32_t node;
  uint32_t last;
  bool object;
};

class Parser {
 public:
  Parser(std::string_view s, const JsonLimits& limits, std::vector<JsonNode>& nodes,
         std::string& arena)
      : s_(s), limits_(limits), nodes_(nodes), arena_(arena) {}

  JsonError Run();
  size_t pos() const { return p_; }

 private:
  void SkipWs() {
    while (p_ < s_.size() && IsWs(s_[p_])) ++p_;
  }
  bool Add(JsonNode n, uint32_t* idx);
  JsonError String(std::string_view* out);
  JsonError Number(JsonNode* n);
  bool Literal(std::string_view word) {
    if (s_.substr(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }
  JsonError Key(std::string_view* key);

  std::string_view s_;
  const JsonLimits& limits_;
  std::vector<JsonNode>& nodes_;
  std::string& arena_;
  std::vector<Frame> stack_;
  size_t p_ = 0;
};

bool Parser::Add(JsonNode n, uint32_t* idx) {
  if (nodes_.size() >= limits_.max_nodes) return false;
  *idx = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(n);
  if (!stack_.empty()) {
    Frame& f = stack_.back();
    if (f.last == kNoNode) {
      nodes_[f.node].first_child = *idx;
    } else {
      nodes_[f.last].next_sibling = *idx;
    }
    f.last = *idx;
    ++nodes_[f.node].size;
  }
  return true;
}

JsonError Parser::String(std::string_view* out) {
  // s_[p_] == '"'
  size_t start = ++p_;
  bool escaped = false;
  while (true) {
    if (p_ >= s_.size()) return JsonError::kSyntax;
    unsigned char c = static_cast<unsigned char>(s_[p_]);
    if (c == '"') break;
    if (c < 0x20) return JsonError::kSyntax;
    if (c == '\\') {
      escaped = true;
      p_ += 2;
      continue;
    }
    if (c >= 0x80) {
      size_t n = Utf8SeqLen(s_, p_);
      if (n == 0) return JsonError::kInvalidUtf8;
      p_ += n;
      continue;
    }
    ++p_;
  }
  size_t end = p_++;
  if (!escaped) {
    *out = s_.substr(start, end - start);
    return JsonError::kNone;
  }
  // Decode escapes into the arena; it was reserved to the input size so views stay valid.
  size_t out_start = arena_.size();
  for (size_t i = start; i < end; ++i) {
    char c = s_[i];
    if (c != '\\') {
      arena_.push_back(c);
      continue;
    }
    if (++i >= end) return JsonError::kSyntax;
    switch (s_[i]) {
      case '"': arena_.push_back('"'); break;
      case '\\': arena_.push_back('\\'); break;
      case '/': arena_.push_back('/'); break;
      case 'b': arena_.push_back('\b'); break;
      case 'f': arena_.push_back('\f'); break;
      case 'n': arena_.push_back('\n'); break;
      case 'r': arena_.push_back('\r'); break;
      case 't': arena_.push_back('\t'); break;
      case 'u': {
        auto hex4 = [&](size_t at, uint32_t* v) {
          if (at + 4 > end) return false;
          *v = 0;
          for (size_t k = 0; k < 4; ++k) {
            int h = HexVal(s_[at + k]);
            if (h < 0) return false;
            *v = *v * 16 + static_cast<uint32_t>(h);
          }
          return true;
        };
        uint32_t cp;
        if (!hex4(i + 1, &cp)) return JsonError::kSyntax;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (i + 2 >= end || s_[i + 1] != '\\' || s_[i + 2] != 'u' || !hex4(i + 3, &lo) ||
              lo < 0xDC00 || lo > 0xDFFF) {
            return JsonError::kInvalidUtf8;  // a lone high surrogate
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return JsonError::kInvalidUtf8;
        }
        AppendUtf8(arena_, cp);
        break;
      }
      default: return JsonError::kSyntax;
    }
  }
  *out = std::string_view(arena_).substr(out_start);
  return JsonError::kNone;
}

JsonError Parser::Number(JsonNode* n) {
  n->type = JsonType::kNumber;
  size_t start = p_;
  bool neg = false;
  if (s_[p_] == '-') {
    neg = true;
    ++p_;
  }
  if (p_ < s_.size() && s_[p_] == 'I') {
    if (!Literal("Infinity")) return JsonError::kSyntax;
    n->number =
        neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    n->non_finite = true;
    return JsonError::kNone;
  }
  auto digits = [&] {
    size_t d = p_;
    while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') ++p_;
    return p_ - d;
  };
  if (p_ >= s_.size()) return JsonError::kSyntax;
  if (s_[p_] == '0') {
    ++p_;
  } else if (digits() == 0) {
    return JsonError::kSyntax;
  }
  bool neg_exp = false;
  if (p_ < s_.size() && s_[p_] == '.') {
    ++p_;
    if (digits() == 0) return JsonError::kSyntax;
  }
  if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
    ++p_;
    if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-')) neg_exp = s_[p_++] == '-';
    if (digits() == 0) return JsonError::kSyntax;
  }
  auto r = std::from_chars(s_.data() + start, s_.data() + p_, n->number);
  if (r.ec == std::errc::result_out_of_range) {
    // 1e400 is valid JSON; saturate like strtod instead of refusing it.
    n->number = neg_exp ? 0.0 : std::numeric_limits<double>::infinity();
    if (neg) n->number = -n->number;
    n->non_finite = !neg_exp;
  } else if (r.ec != std::errc() || r.ptr != s_.data() + p_) {
    return JsonError::kSyntax;
  }
  return JsonError::kNone;
}

JsonError Parser::Key(std::string_view* key) {
  SkipWs();
  if (p_ >= s_.size() || s_[p_] != '"') return JsonError::kSyntax;
  if (JsonError e = String(key); e != JsonError::kNone) return e;
  SkipWs();
  if (p_ >= s_.size() || s_[p_] != ':') return JsonError::kSyntax;
  ++p_;
  return JsonError::kNone;
}

JsonError Parser::Run() {
  std::string_view key;
  while (true) {
    // Expecting a value.
    SkipWs();
    if (p_ >= s_.size()) return JsonError::kSyntax;
    JsonNode n;
    n.key = key;
    key = {};
    char c = s_[p_];
    uint32_t idx;
    bool opened = false;
    if (c == '{' || c == '[') {
      n.type = c == '{' ? JsonType::kObject : JsonType::kArray;
      if (static_cast<int>(stack_.size()) >= limits_.max_depth) return JsonError::kTooDeep;
      if (!Add(n, &idx)) return JsonError::kTooLarge;
      stack_.push_back({idx, kNoNode, c == '{'});
      ++p_;
      SkipWs();
      char close = c == '{' ? '}' : ']';
      if (p_ < s_.size() && s_[p_] == close) {
        ++p_;
        stack_.pop_back();
      } else if (c == '{') {
        if (JsonError e = Key(&key); e != JsonError::kNone) return e;
        opened = true;
      } else {
        opened = true;
      }
      if (opened) continue;
    } else {
      if (c == '"') {
        n.type = JsonType::kString;
        if (JsonError e = String(&n.text); e != JsonError::kNone) return e;
      } else if (c == 't' || c == 'f') {
        n.type = JsonType::kBool;
        n.boolean = c == 't';
        if (!Literal(c == 't' ? "true" : "false")) return JsonError::kSyntax;
      } else if (c == 'n') {
        if (!Literal("null")) return JsonError::kSyntax;
      } else if (c == 'N') {
        if (!Literal("NaN")) return JsonError::kSyntax;
        n.type = JsonType::kNumber;
        n.number = std::numeric_limits<double>::quiet_NaN();
        n.non_finite = true;
      } else if (c == '-' || (c >= '0' && c <= '9') || c == 'I') {
        if (JsonError e = Number(&n); e != JsonError::kNone) return e;
      } else {
        return JsonError::kSyntax;
      }
      if (!Add(n, &idx)) return JsonError::kTooLarge;
    }
    // After a complete value: close containers or move to the next element.
    while (true) {
      SkipWs();
      if (stack_.empty()) return p_ == s_.size() ? JsonError::kNone : JsonError::kSyntax;
      if (p_ >= s_.size()) return JsonError::kSyntax;
      Frame& f = stack_.back();
      char d = s_[p_];
      if (d == ',') {
        ++p_;
        if (f.object) {
          if (JsonError e = Key(&key); e != JsonError::kNone) return e;
        }
        break;
      }
      if ((f.object && d == '}') || (!f.object && d == ']')) {
        ++p_;
        stack_.pop_back();
        continue;
      }
      return JsonError::kSyntax;
    }
  }
}

}  // namespace

std::string_view JsonErrorName(JsonError e) {
  switch (e) {
    case JsonError::kNone: return "none";
    case JsonError::kSyntax: return "invalid_json";
    case JsonError::kTooDeep: return "too_deep";
    case JsonError::kTooLarge: return "too_large";
    case JsonError::kInvalidUtf8: return "invalid_utf8";
  }
  return "invalid_json";
}

JsonError JsonDoc::Parse(std::string_view input) {
  nodes_.clear();
  arena_.clear();
  arena_.reserve(input.size());
  error_offset_ = 0;
  Parser p(input, limits_, nodes_, arena_);
  JsonError e = p.Run();
  if (e != JsonError::kNone) {
    error_offset_ = p.pos();
    nodes_.clear();
  }
  return e;
}

uint32_t JsonDoc::Find(uint32_t obj, std::string_view name) const {
  if (obj == kNoNode || nodes_[obj].type != JsonType::kObject) return kNoNode;
  for (uint32_t c = nodes_[obj].first_child; c != kNoNode; c = nodes_[c].next_sibling) {
    if (nodes_[c].key == name) return c;
  }
  return kNoNode;
}

}  // namespace skewgate::sidecar
