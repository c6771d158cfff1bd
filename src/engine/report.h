// How `ward monitor` shows its result: a short human summary, or JSON (--format json).
#pragma once

#include <string>

#include "engine/monitor.h"

namespace ward::engine {

std::string format_report_text(const MonitorReport& r);
std::string format_report_json(const MonitorReport& r);

}  // namespace ward::engine
