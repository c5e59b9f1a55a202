// Reading a run's JSON files and writing a report file, with errors that name the file.
// Internal to coordcheck_reports.
//
// Thread-safety: functions; WriteFileReplacing writes FILE.tmp then renames it over FILE, so a
// reader never sees half a report.
#pragma once

#include <string>

#include "base/status.h"
#include "history/op.h"

namespace coordcheck::reports {

// Parses the JSON object in `path` into `out`; "PATH: cannot open: ..." / the errors of
// json_text::ParseDocument ("PATH:LINE: not valid JSON: ... at column C", "PATH: JSON nested
// deeper than 256 levels") / "PATH: not a JSON object" otherwise. Every JSON file reports/
// reads goes through here.
Status ReadJsonObject(const std::string& path, Json* out);

// Writes `text` to `path` (through path + ".tmp", renamed).
Status WriteFileReplacing(const std::string& path, const std::string& text);

}  // namespace coordcheck::reports
