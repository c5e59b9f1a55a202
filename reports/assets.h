// The report pages' stylesheet and scripts, embedded at build time from reports/assets/
// (report.css, report.js). Internal to coordcheck_reports.
//
// report.js reads the page's JSON blocks ("report-data", "timeline-data", "op-values"); on a
// page without them (the comparison page) it only wires up what it finds. kErrorHook must be
// the first script of a page: it counts uncaught errors into <html data-js-errors>, which the
// browser tests read with data-report-ready.
//
// Thread-safety: constants.
#pragma once

namespace coordcheck::reports {

extern const char* const kReportCss;
extern const char* const kReportJs;

inline constexpr const char* kErrorHook =
    "window.onerror=function(){var d=document.documentElement;"
    "d.dataset.jsErrors=String((Number(d.dataset.jsErrors)||0)+1);};"
    "window.addEventListener('unhandledrejection',function(){var d=document.documentElement;"
    "d.dataset.jsErrors=String((Number(d.dataset.jsErrors)||0)+1);});";

// <meta> forbidding every fetch: the page uses only what it carries inline.
inline constexpr const char* kContentSecurityPolicy =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">";

}  // namespace coordcheck::reports
