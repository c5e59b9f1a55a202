#include "nemesis/package.h"

#include <algorithm>

namespace coordcheck {

Json PickNodes(gen::Rng& rng, const std::vector<std::string>& nodes, bool allow_all) {
  const size_t n = nodes.size();
  std::vector<std::string> shuffled = nodes;
  for (size_t i = n; i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.Uniform(i)]);
  size_t count = 1;
  switch (rng.Uniform(allow_all ? 4 : 3)) {
    case 0:
      count = 1;
      break;
    case 1:
      count = std::max<size_t>(1, (n - 1) / 2);
      break;  // a minority
    case 2:
      count = n / 2 + 1;
      break;  // a majority
    default:
      count = n;
      break;
  }
  count = std::min(count, n);
  shuffled.resize(count);
  std::sort(shuffled.begin(), shuffled.end());
  return Json(shuffled);
}

}  // namespace coordcheck
