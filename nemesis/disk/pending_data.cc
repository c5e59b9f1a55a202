#include "nemesis/disk/pending_data.h"

#include <algorithm>

namespace coordcheck::syncfs {

void PendingData::Erase(uint64_t begin, uint64_t end) {
  if (begin >= end) return;
  auto it = extents_.upper_bound(begin);
  if (it != extents_.begin()) --it;
  while (it != extents_.end() && it->first < end) {
    const uint64_t s = it->first, e = s + it->second.size();
    if (e <= begin) {
      ++it;
      continue;
    }
    std::string bytes = std::move(it->second);
    it = extents_.erase(it);
    if (s < begin) extents_.emplace(s, bytes.substr(0, begin - s));
    if (e > end) it = extents_.emplace(end, bytes.substr(end - s)).first;
  }
}

void PendingData::Write(uint64_t offset, std::string_view data, uint64_t durable_size,
                        uint64_t seq) {
  last_write_ = WriteRecord{seq, offset, std::string(data)};
  if (data.empty()) return;
  const uint64_t end = offset + data.size();
  const uint64_t new_size = std::max(Size(durable_size), end);
  if (size_ || new_size != durable_size) size_ = new_size;
  Erase(offset, end);
  // Appends (a log's usual pattern) extend the extent before them instead of adding one.
  auto it = extents_.lower_bound(offset);
  if (it != extents_.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second.size() == offset) {
      prev->second.append(data);
      return;
    }
  }
  extents_.emplace(offset, std::string(data));
}

void PendingData::Truncate(uint64_t size) {
  Erase(size, UINT64_MAX);
  size_ = size;
  cut_ = std::min(cut_.value_or(size), size);
}

std::string PendingData::Read(uint64_t offset, uint64_t length, std::string_view durable,
                              uint64_t durable_size) const {
  const uint64_t size = Size(durable_size);
  if (offset >= size) return {};
  length = std::min(length, size - offset);
  // The durable bytes that are still visible, then zeros, then the extents on top.
  uint64_t durable_end = std::min<uint64_t>(durable_size, cut_.value_or(UINT64_MAX));
  std::string out(length, '\0');
  if (offset < durable_end) {
    const uint64_t n = std::min<uint64_t>({durable_end - offset, length, durable.size()});
    std::copy_n(durable.data(), n, out.data());
  }
  auto it = extents_.upper_bound(offset);
  if (it != extents_.begin()) --it;
  for (; it != extents_.end() && it->first < offset + length; ++it) {
    const uint64_t s = it->first, e = s + it->second.size();
    if (e <= offset) continue;
    const uint64_t from = std::max(s, offset), to = std::min(e, offset + length);
    std::copy(it->second.begin() + static_cast<ptrdiff_t>(from - s),
              it->second.begin() + static_cast<ptrdiff_t>(to - s),
              out.begin() + static_cast<ptrdiff_t>(from - offset));
  }
  return out;
}

uint64_t PendingData::bytes() const {
  uint64_t n = 0;
  for (const auto& [offset, data] : extents_) n += data.size();
  return n;
}

FlushPlan PendingData::Plan() const {
  FlushPlan plan;
  plan.cut = cut_;
  for (const auto& [offset, data] : extents_) plan.writes.emplace_back(offset, data);
  plan.size = size_;
  return plan;
}

void PendingData::Clear() {
  extents_.clear();
  size_.reset();
  cut_.reset();
  last_write_.reset();
}

}  // namespace coordcheck::syncfs
