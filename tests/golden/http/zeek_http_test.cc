// Golden test against Zeek's http.log baselines (../shared/data/pcap/zeek/baselines/
// scripts.base.protocols.http.* and scripts.policy.protocols.http.sql-injection-plus-dvwa2,
// traces in ../shared/data/pcap/zeek/traces/http/). For each capture, Ward's `http` records are
// projected onto the baseline's columns and compared with Zeek's rows as multisets (uids and
// timestamps are not compared: Zeek's uids are random and its baselines mask timestamps).
//
// Intended differences, each applied only to the capture it names (and counted as a
// disagreement in the agreement figure):
//  - HTTP/0.9 (http_09.pcap, no-version.pcap): Zeek writes status_code 0 and status_msg
//    "<empty>" for a response without a status line; Ward writes no status (there is none).
//    Zeek also writes an empty second record (trans_depth 2, every field unset) for the
//    connection close after a 0.9 exchange; Ward writes records for real requests only.
//  - smuggle-http-request.pcap: the first request's 80-byte gzip body is a stored block that
//    announces 255 bytes but carries 65; zlib yields the 65 bytes present, which Ward counts.
//    Zeek logs 57 (8 fewer); we have not established why, so the value is named, not matched.
//  - sql-injection-plus-dvwa2: Zeek's HTTP::URI_SQLI tag comes from its SQL injection policy
//    script, a detector Ward does not have; method, host and uri are compared, tags are not.
// Notation (not counted as a difference): Zeek logs the percent-decoded URI, Ward the URI as
// sent (as nDPI and tshark do), so Ward's uri is percent-decoded before the comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "golden/http/golden_http_util.h"

namespace ward::testing::http_golden {
namespace {

// A named, intended difference: where Zeek writes `zeek` in `column`, Ward writes `ward`.
struct Difference {
  std::string column;
  std::string zeek;
  std::string ward;
  std::string reason;
};

struct Case {
  std::string baseline;  // directory under baselines/
  std::string file;      // http.log or http.log.cut
  std::string trace;     // under traces/http/
  std::vector<Difference> differences;
  bool drop_unset_rows = false;  // Zeek's empty trans_depth-2 record after HTTP/0.9
  std::vector<std::string> skip_columns;
};

// RFC 3986 §2.1 percent-decoding, as Zeek's unescaped_URI.
std::string percent_decode(const std::string& s) {
  const auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

const std::vector<std::string> compared_columns = {"id.orig_h",
                                                   "id.orig_p",
                                                   "id.resp_h",
                                                   "id.resp_p",
                                                   "trans_depth",
                                                   "method",
                                                   "host",
                                                   "uri",
                                                   "referrer",
                                                   "version",
                                                   "user_agent",
                                                   "origin",
                                                   "request_body_len",
                                                   "response_body_len",
                                                   "status_code",
                                                   "status_msg",
                                                   "info_code",
                                                   "info_msg",
                                                   "username"};

std::vector<Case> cases() {
  const Difference status0{"status_code", "0", "-", "HTTP/0.9 response has no status line"};
  const Difference empty_msg{"status_msg", "<empty>", "-", "HTTP/0.9 response has no reason"};
  return {
      {"scripts.base.protocols.http.100-continue", "http.log", "100-continue.pcap", {}},
      {"scripts.base.protocols.http.261.chunk-2pow64-overflow",
       "http.log",
       "261/variant-01-chunk_2pow64_overflow.pcap",
       {}},
      {"scripts.base.protocols.http.261.cl-uint64max",
       "http.log",
       "261/variant-02-cl_uint64max.pcap",
       {}},
      {"scripts.base.protocols.http.261.cl-negative",
       "http.log",
       "261/variant-03-cl_negative.pcap",
       {}},
      {"scripts.base.protocols.http.261.te-cl-desync",
       "http.log",
       "261/variant-04-te_cl_desync.pcap",
       {}},
      {"scripts.base.protocols.http.content-length-overflow",
       "http.log",
       "content-length-overflow.pcap",
       {}},
      {"scripts.base.protocols.http.fake-content-length",
       "http.log",
       "fake-content-length.pcap",
       {}},
      {"scripts.base.protocols.http.http-09",
       "http.log",
       "http_09.pcap",
       {status0, empty_msg},
       true},
      {"scripts.base.protocols.http.http-basic-auth-colon",
       "http.log",
       "basic-auth-with-colon.pcap",
       {}},
      {"scripts.base.protocols.http.http-pipelining", "http.log", "pipelined-requests.pcap", {}},
      {"scripts.base.protocols.http.multipart-body-length",
       "http.log",
       "multipart-form-data.pcap",
       {}},
      {"scripts.base.protocols.http.no-version",
       "http.log",
       "no-version.pcap",
       {status0, empty_msg},
       true},
      {"scripts.base.protocols.http.smuggle-http-request",
       "http.log.cut",
       "smuggle-http-request.pcap",
       {{"request_body_len", "57", "65", "truncated gzip stream: see the header comment"}}},
      {"scripts.policy.protocols.http.sql-injection-plus-dvwa2",
       "http.log.cut",
       "cooper-grill-dvwa.pcapng",
       {},
       false,
       {"tags"}},
  };
}

// Header counts of the two http_all_headers blocks in the all-headers-event baseline.
std::pair<int, int> all_headers_counts(const std::string& data) {
  const std::string out =
      read_file(data + "/baselines/scripts.base.protocols.http.all-headers-event/out");
  std::vector<int> counts;
  std::size_t at = 0;
  while ((at = out.find("{\n", at)) != std::string::npos) {
    const std::size_t end = out.find("\n}", at);
    if (end == std::string::npos) break;
    const std::string block = out.substr(at + 2, end - at - 1);
    counts.push_back(static_cast<int>(std::count(block.begin(), block.end(), '\n')));
    at = end;
  }
  return counts.size() == 2 ? std::make_pair(counts[0], counts[1]) : std::make_pair(-1, -1);
}

bool all_headers_agree(const std::string& data) {
  const auto [req, resp] = all_headers_counts(data);
  const auto ours = http_records(data + "/traces/http/get.pcap");
  EXPECT_EQ(ours.size(), 1U);
  if (ours.size() != 1) return false;
  EXPECT_EQ(ours[0]["request_header_count"], req);
  EXPECT_EQ(ours[0]["response_header_count"], resp);
  return ours[0]["request_header_count"] == req && ours[0]["response_header_count"] == resp;
}

TEST(ZeekHttp, HttpLogsAgreeWithZeeksBaselinesFieldByField) {
  const std::string data = shared_data_dir() + "/pcap/zeek";
  if (!file_exists(data + "/traces/http/get.pcap")) GTEST_SKIP() << "shared test data not present";
  int captures = 0;
  int agreeing = 0;
  int fields = 0;
  int explained = 0;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.trace);
    auto zeek = read_tsv(data + "/baselines/" + c.baseline + "/" + c.file);
    ASSERT_FALSE(zeek.empty()) << c.baseline;
    std::vector<std::string> columns;
    for (const std::string& col : compared_columns)
      if (zeek[0].count(col) != 0) columns.push_back(col);
    bool differs = false;
    if (c.drop_unset_rows) {
      const auto before = zeek.size();
      std::erase_if(zeek, [](const Row& r) { return r.at("method") == "-"; });
      differs = differs || zeek.size() != before;
    }
    std::vector<Row> expected;
    for (const Row& z : zeek) {
      Row e;
      for (const std::string& col : columns) {
        std::string v = z.at(col);
        for (const Difference& d : c.differences) {
          if (d.column == col && d.zeek == v) {
            v = d.ward;
            differs = true;
            ++explained;
          }
        }
        e[col] = v;
      }
      expected.push_back(e);
    }
    const auto ours = http_records(data + "/traces/http/" + c.trace);
    std::vector<Row> got;
    for (const auto& r : ours) {
      Row g;
      for (const std::string& col : columns)
        g[col] = col == "uri" ? percent_decode(zeek_value(r, col)) : zeek_value(r, col);
      got.push_back(g);
    }
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    bool equal = true;
    if (!c.skip_columns.empty()) {
      // The cut baseline lists only the tagged requests: each must be among Ward's records.
      for (const Row& e : expected) {
        const bool found = std::find(got.begin(), got.end(), e) != got.end();
        EXPECT_TRUE(found) << e.at("uri");
        equal = equal && found;
      }
    } else {
      equal = got == expected;
      EXPECT_EQ(got, expected);
    }
    ++captures;
    fields += static_cast<int>(expected.size() * columns.size());
    if (equal && !differs) ++agreeing;
  }
  // The all-headers-event baseline (get.pcap) lists every header of the request and the
  // response: Ward's header counts must match (the other fields are checked below).
  if (all_headers_agree(data)) ++agreeing;
  ++captures;
  fields += 2;
  std::printf(
      "zeek http: %d captures, %d agree on every field, %d fields compared, %d values "
      "differ as explained\n",
      captures, agreeing, fields, explained);
  EXPECT_GE(agreeing * 100, captures * 80);
}

TEST(ZeekHttp, AllHeadersCaptureFieldsMatchWhatZeekPrints) {
  // all-headers-event/out prints the headers of get.pcap: 4 request and 9 response headers.
  const std::string data = shared_data_dir() + "/pcap/zeek";
  if (!file_exists(data + "/traces/http/get.pcap")) GTEST_SKIP() << "shared test data not present";
  EXPECT_EQ(all_headers_counts(data), std::make_pair(4, 9));
  const auto ours = http_records(data + "/traces/http/get.pcap");
  ASSERT_EQ(ours.size(), 1U);
  EXPECT_EQ(ours[0]["host"], "bro.org");                         // [3] HOST
  EXPECT_EQ(ours[0]["user_agent"], "Wget/1.14 (darwin12.2.0)");  // [1] USER-AGENT
  EXPECT_EQ(ours[0]["server"], "Apache/2.4.3 (Fedora)");         // [2] SERVER
  EXPECT_EQ(ours[0]["response_content_type"], "text/plain");     // [9] CONTENT-TYPE (media type)
  EXPECT_EQ(ours[0]["response_body_len"], 4705);                 // [6] CONTENT-LENGTH
}

}  // namespace
}  // namespace ward::testing::http_golden
