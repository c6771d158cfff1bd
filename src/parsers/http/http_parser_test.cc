// Unit tests of the HTTP/1.x parser and the `http` log. Messages are written as text; the
// captures they come from (if any) are named next to them.
#include "parsers/http/http_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "clinical/phi.h"
#include "parsers/http/http_events.h"
#include "parsers/http/http_log.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::http {
namespace {

using parsers::testing::Chunk;
using parsers::testing::to_client;
using parsers::testing::to_server;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string join(std::span<const std::string_view> v) {
  std::string out;
  for (const std::string_view s : v) out += (out.empty() ? "" : ",") + std::string(s);
  return out;
}

// One line per event with every field a user would check.
std::string describe(const bus::Event& e) {
  if (const auto* t = bus::event_cast<HttpTransaction>(e)) {
    std::string s = "tx#" + std::to_string(t->trans_depth) + " " + std::string(t->method) + " " +
                    std::string(t->uri) + " v" + std::string(t->version) +
                    " host=" + std::string(t->host) + " ua=" + std::string(t->user_agent) +
                    " req=" + std::to_string(t->request_body_len) +
                    " status=" + std::to_string(t->status_code) + " " + std::string(t->status_msg) +
                    " resp=" + std::to_string(t->response_body_len);
    if (t->info_code != 0) s += " info=" + std::to_string(t->info_code);
    if (!t->server.empty()) s += " server=" + std::string(t->server);
    if (!t->request_content_type.empty()) s += " req_ct=" + std::string(t->request_content_type);
    if (!t->response_content_type.empty()) s += " resp_ct=" + std::string(t->response_content_type);
    if (t->auth_scheme != AuthScheme::kNone)
      s +=
          " auth=" + std::string(auth_scheme_name(t->auth_scheme)) + ":" + std::string(t->username);
    if (t->credential_weakness != auth::Weakness::kNone)
      s += " credentials=" + std::string(auth::weakness_name(t->credential_weakness)) + " (" +
           std::string(t->credential_detail) + ")";
    if (t->fhir) s += " fhir=" + std::string(t->fhir_resource_type) + "/" + std::string(t->fhir_id);
    if (!t->phi_fields.empty()) s += " phi=" + join(t->phi_fields);
    if (!t->tags.empty()) s += " tags=" + join(t->tags);
    return s;
  }
  if (const auto* p = bus::event_cast<clinical::PhiObserved>(e)) {
    std::string s = "phi " + std::string(p->protocol) + " " + std::string(p->where) + ":";
    for (const auto& f : p->fields) s += " " + std::string(f.name);
    return s;
  }
  return "";
}

HttpParserFactory factory(Limits l = {}) { return HttpParserFactory(l); }

testing::RunResult run(const std::vector<Chunk>& chunks, Limits l = {}) {
  const auto f = factory(l);
  return testing::run_chunks(f, describe, chunks);
}

constexpr std::string_view kGet =
    "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n"
    "Accept: */*\r\n\r\n";
constexpr std::string_view kOk =
    "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 5\r\n\r\nhello";

// ---------------------------------------------------------------------------------------------
// Messages and pairing.

TEST(HttpParser, AGetAndItsResponseAreOneTransactionWithEveryField) {
  const auto r = run({to_server(kGet), to_client(kOk)});
  EXPECT_THAT(r.events, ElementsAre("tx#1 GET /index.html v1.1 host=example.com ua=curl/8.0 "
                                    "req=0 status=200 OK resp=5 server=nginx resp_ct=text/html"));
  EXPECT_THAT(r.anomalies, IsEmpty());
  EXPECT_EQ(r.confirmations, 1);
}

TEST(HttpParser, PipelinedRequestsArePairedWithResponsesInOrder) {
  const auto r = run({to_server("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: "
                                "h\r\n\r\nHEAD /c HTTP/1.1\r\nHost: h\r\n\r\n"),
                      to_client("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                                "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBB"
                                "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")});
  EXPECT_THAT(r.events, ElementsAre("tx#1 GET /a v1.1 host=h ua= req=0 status=200 OK resp=1",
                                    "tx#2 GET /b v1.1 host=h ua= req=0 status=404 Not Found resp=2",
                                    // RFC 9110 §9.3.2: a response to HEAD has no body.
                                    "tx#3 HEAD /c v1.1 host=h ua= req=0 status=200 OK resp=0"));
  EXPECT_THAT(r.anomalies, IsEmpty());
}

TEST(HttpParser, ChunkedBodiesWithExtensionsAndTrailersAreDechunkedAndCounted) {
  const auto r = run({to_server("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                                "Content-Type: text/plain\r\n\r\n"
                                "5;name=value\r\nhello\r\n"
                                "A\r\n0123456789\r\n"
                                "0\r\nX-Checksum: 1\r\n\r\n"),
                      to_client("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3\r\nabc\r\n0\r\n\r\n")});
  EXPECT_THAT(r.events, ElementsAre("tx#1 POST /up v1.1 host=h ua= req=15 status=201 Created "
                                    "resp=3 req_ct=text/plain"));
  EXPECT_THAT(r.anomalies, IsEmpty());
}

TEST(HttpParser, AResponseWithoutLengthRunsToTheEndOfTheConnection) {
  const auto r = run(
      {to_server("GET / HTTP/1.0\r\n\r\n"), to_client("HTTP/1.0 200 OK\r\n\r\nbody until close")});
  EXPECT_THAT(r.events, ElementsAre("tx#1 GET / v1.0 host= ua= req=0 status=200 OK resp=16"));
}

TEST(HttpParser, HundredContinueIsAnInterimResponseBeforeTheFinalOne) {
  // Zeek's 100-continue.pcap in miniature: the body follows the 100 Continue.
  const auto r = run({to_server("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                                "Content-Length: 4\r\n\r\n"),
                      to_client("HTTP/1.1 100 Continue\r\n\r\n"), to_server("data"),
                      to_client("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")});
  EXPECT_THAT(r.events,
              ElementsAre("tx#1 POST / v1.1 host=h ua= req=4 status=200 OK resp=2 info=100"));
  EXPECT_THAT(r.anomalies, IsEmpty());
}

TEST(HttpParser, AnHttp09RequestGetsARawResponseUntilClose) {
  // Zeek's http_09.pcap: "GET /zeek.html" then the document without a status line.
  const auto r = run({to_server("GET /zeek.html\r\n"), to_client("<html>doc</html>\n")});
  EXPECT_THAT(
      r.events,
      ElementsAre("tx#1 GET /zeek.html v0.9 host= ua= req=0 status=0  resp=17 tags=http09"));
  EXPECT_THAT(r.anomalies, ElementsAre("http.http09_request"));
}

TEST(HttpParser, NonHttpOnThePortIsRejectedWithoutConfirmation) {
  // Negative case: an SSH banner and a TLS ClientHello on port 80.
  const auto r = run({to_server("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")});
  EXPECT_THAT(r.events, IsEmpty());
  EXPECT_THAT(r.anomalies, ElementsAre("http.invalid_request_line"));
  EXPECT_EQ(r.confirmations, 0);
  const std::vector<std::uint8_t> hello = {0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1};
  const auto t = run({to_server(hello)});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(t.confirmations, 0);
}

TEST(HttpParser, AResponseWithoutARequestIsLoggedAsUnsolicited) {
  const auto r = run({to_client(kOk)});
  EXPECT_THAT(r.events, ElementsAre("tx#1   v host= ua= req=0 status=200 OK resp=5 server=nginx "
                                    "resp_ct=text/html"));
  EXPECT_THAT(r.anomalies, ElementsAre("http.unsolicited_response"));
}

TEST(HttpParser, ARequestWithoutResponseIsWrittenAtTheEnd) {
  const auto r = run({to_server(kGet)});
  EXPECT_THAT(r.events, ElementsAre("tx#1 GET /index.html v1.1 host=example.com ua=curl/8.0 "
                                    "req=0 status=0  resp=0"));
}

TEST(HttpParser, AStreamEndingInsideABodyIsTruncated) {
  const auto r =
      run({to_server(kGet), to_client("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")});
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("resp=3 tags=response_truncated")));
}

TEST(HttpParser, AStreamEndingInsideAHeaderBlockIsTruncatedAtEnd) {
  const auto r = run({to_server("GET / HTTP/1.1\r\nHost: exa")});
  EXPECT_THAT(r.events, IsEmpty());
  EXPECT_THAT(r.anomalies, ElementsAre("http.truncated_at_end"));
}

TEST(HttpParser, TheSameEventsForEverySplit) {
  const auto f = factory();
  testing::expect_same_events_for_every_split(
      f, describe,
      {to_server("GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n"),
       to_client("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                 "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"),
       to_server("GET /c HTTP/1.0\r\n\r\n"), to_client("HTTP/1.0 200 OK\r\n\r\nrest")},
      /*reply_in_between=*/false);
}

TEST(HttpParser, TheSameEventsForEverySplitOfAFhirExchange) {
  const auto f = factory();
  testing::expect_same_events_for_every_split(
      f, describe,
      {to_server(
           "POST /fhir/Patient HTTP/1.1\r\nHost: ehr\r\n"
           "Content-Type: application/fhir+json\r\nContent-Length: 71\r\n\r\n"
           "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Test\"}]}    "),
       to_client("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")},
      /*reply_in_between=*/false);
}

// ---------------------------------------------------------------------------------------------
// Malformed framing and smuggling indicators.

TEST(HttpParser, TransferEncodingWithContentLengthIsASmugglingIndicatorAndChunkedWins) {
  // Zeek 261/variant-04-te_cl_desync.pcap.
  const auto r =
      run({to_server("POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Length: 50\r\n\r\n0\r\n\r\n"
                     "GET /smuggled-te-cl HTTP/1.1\r\nHost: target\r\n\r\n")});
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("tx#1 POST / v1.1 host=target"),
                                    HasSubstr("tx#2 GET /smuggled-te-cl")));
  EXPECT_THAT(r.events[0], HasSubstr("tags=content_length_and_chunked"));
  EXPECT_THAT(r.anomalies, ElementsAre("http.content_length_and_chunked"));
}

TEST(HttpParser, NegativeAndOverflowingContentLengthsAreAnomaliesNotCrashes) {
  for (const char* cl : {"-1", "18446744073709551615", "99999999999999999999999", "12abc"}) {
    const auto r =
        run({to_server(std::string("POST / HTTP/1.1\r\nHost: target\r\nContent-Length: ") + cl +
                       "\r\n\r\nGET /next HTTP/1.1\r\nHost: target\r\n\r\n")});
    EXPECT_THAT(r.anomalies, ElementsAre("http.bad_content_length")) << cl;
    EXPECT_THAT(r.events, ElementsAre(HasSubstr("tx#1 POST / v1.1"), HasSubstr("tx#2 GET /next")))
        << cl;
  }
}

TEST(HttpParser, AnOverflowingChunkSizeEndsTheBodyWithAnAnomaly) {
  // Zeek 261/variant-01-chunk_2pow64_overflow.pcap: 2^64 as chunk size.
  const auto r =
      run({to_server("POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked\r\n"
                     "\r\n10000000000000000\r\n\r\n"
                     "GET /smuggled-chunk-2pow64 HTTP/1.1\r\nHost: target\r\n\r\n")});
  EXPECT_THAT(r.anomalies, ElementsAre("http.bad_chunk_size"));
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("tx#1 POST / v1.1 host=target ua= req=0"),
                                    HasSubstr("tx#2 GET /smuggled-chunk-2pow64")));
}

TEST(HttpParser, DuplicateContentLengthIsAnAnomaly) {
  const auto r =
      run({to_server("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                     "Content-Length: 3\r\n\r\nabc")});
  EXPECT_THAT(r.anomalies, ElementsAre("http.duplicate_content_length"));
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("req=3")));
}

TEST(HttpParser, AHeaderBlockOverTheLimitIsSkippedNotBuffered) {
  Limits l;
  l.max_header_bytes = 256;
  const std::string big = "GET /big HTTP/1.1\r\nX-Pad: " + std::string(1000, 'a') + "\r\n\r\n";
  const auto r = run({to_server(big + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")}, l);
  EXPECT_THAT(r.anomalies, ElementsAre("http.header_too_large"));
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("tx#1 GET /big"), HasSubstr("tx#2 GET /next")));
}

TEST(HttpParser, AStartLineLongerThanTheLimitIsSkippedWithItsHeaderBlock) {
  Limits l;
  l.max_header_bytes = 256;
  const std::string huge = "GET /" + std::string(2000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  const auto r = run(
      {to_server("GET /first HTTP/1.1\r\n\r\n" + huge + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")},
      l);
  EXPECT_THAT(r.anomalies, ElementsAre("http.header_too_large"));
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("tx#1 GET /first"), HasSubstr("tx#2 GET /next")));
}

TEST(HttpParser, TooManyHeadersIsReportedOnceAndParsingGoesOn) {
  Limits l;
  l.max_headers = 2;
  const auto r = run({to_server("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nHost: h\r\n\r\n")}, l);
  EXPECT_THAT(r.anomalies, ElementsAre("http.too_many_headers"));
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("host=h")));
}

TEST(HttpParser, TooManyPendingRequestsWritesTheOldestEarly) {
  Limits l;
  l.max_pending_transactions = 2;
  const auto r =
      run({to_server("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n")}, l);
  EXPECT_THAT(r.anomalies, ElementsAre("http.too_many_pending_requests"));
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("GET /1"), HasSubstr("GET /2"), HasSubstr("GET /3")));
}

TEST(HttpParser, AGapInsideABodyOfKnownLengthIsCountedAndParsingGoesOn) {
  const auto f = factory();
  testing::RecordingSink sink(describe);
  auto p = f.make(sink);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab";
  ASSERT_TRUE(p->on_data(Direction::kToServer, as_bytes(std::string_view(kGet))).ok());
  ASSERT_TRUE(p->on_data(Direction::kToClient, as_bytes(head)).ok());
  p->on_gap(Direction::kToClient, 5);
  ASSERT_TRUE(p->on_data(Direction::kToClient, as_bytes(std::string_view("xyz"))).ok());
  EXPECT_THAT(sink.events, ElementsAre(HasSubstr("resp=10 tags=response_body_gap")));
  EXPECT_THAT(sink.anomalies, IsEmpty());
}

TEST(HttpParser, AGapInAHeaderBlockResynchronisesAtTheNextRequestLine) {
  const auto f = factory();
  testing::RecordingSink sink(describe);
  auto p = f.make(sink);
  ASSERT_TRUE(
      p->on_data(Direction::kToServer, as_bytes(std::string_view("GET /a HTTP/1.1\r\nHo"))).ok());
  p->on_gap(Direction::kToServer, 100);
  ASSERT_TRUE(p->on_data(Direction::kToServer,
                         as_bytes(std::string_view("junk\r\nGET /b HTTP/1.1\r\n\r\n")))
                  .ok());
  p->on_end(Direction::kToServer);
  p->on_end(Direction::kToClient);
  EXPECT_THAT(sink.anomalies, ElementsAre("http.gap_unrecoverable"));
  EXPECT_THAT(sink.events, ElementsAre(HasSubstr("tx#1 GET /b")));
}

TEST(HttpParser, ObsoleteLineFoldingAndBadHeaderLinesAreAnomalies) {
  const auto r =
      run({to_server("GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: a\r\n b\r\nno colon\r\n\r\n")});
  EXPECT_THAT(r.anomalies, ElementsAre("http.obsolete_line_folding", "http.invalid_header_line"));
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("ua=a\r\n b")));
}

TEST(HttpParser, SpacesInsideTheUriAreKeptAsSent) {
  // suricata-verify http-uri-spaces: the version is the last word of the line.
  const auto r = run({to_server("GET /uri with space afterspace HTTP/1.1\r\nHost: h\r\n\r\n")});
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("GET /uri with space afterspace v1.1")));
}

// ---------------------------------------------------------------------------------------------
// Authentication.

TEST(HttpParser, BasicAuthLogsTheUserNameOnlyAndFlagsCleartextCredentials) {
  // Zeek's basic-auth-with-colon.pcap: "test:1:34" -> user "test", the password has a colon.
  const auto r =
      run({to_server("GET / HTTP/1.0\r\nHost: h\r\nAuthorization: Basic dGVzdDoxOjM0\r\n\r\n")});
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("auth=basic:test")));
  EXPECT_THAT(r.events[0], HasSubstr("credentials=weak (shorter than 8 characters)"));
  EXPECT_THAT(r.events[0], Not(HasSubstr("1:34")));
  EXPECT_THAT(r.anomalies, ElementsAre("http.cleartext_credentials"));
}

TEST(HttpParser, DigestAuthKeepsTheUserNameAndIsNotCleartext) {
  const auto r =
      run({to_server("GET /x HTTP/1.1\r\nAuthorization: Digest realm=\"r\", "
                     "username=\"nurse1\", nonce=\"abc\", response=\"deadbeef\"\r\n\r\n")});
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("auth=digest:nurse1")));
  EXPECT_THAT(r.anomalies, IsEmpty());
}

// Digest for admin / admin (a factory account of several camera vendors) on GET /service with
// qop=auth, the response computed with Python's hashlib (RFC 7616 §3.4.1).
constexpr std::string_view kDigestAdminAdmin =
    "Authorization: Digest username=\"admin\", realm=\"cam\", nonce=\"abc\", uri=\"/service\", "
    "qop=auth, nc=00000001, cnonce=\"xyz\", response=\"059b45cb299bcdbc96c032f836a9a8b4\"\r\n";

TEST(HttpParser, DigestCredentialsAreCheckedOnlyWhenTheServerAcceptsThem) {
  const std::string request =
      "GET /service HTTP/1.1\r\nHost: pump\r\n" + std::string(kDigestAdminAdmin) + "\r\n";
  const auto r = run({to_server(request),
                      to_client("HTTP/1.1 401 Unauthorized\r\n"
                                "Content-Length: 0\r\n\r\n"),
                      to_server(request),
                      to_client("HTTP/1.1 200 OK\r\n"
                                "Content-Length: 0\r\n\r\n")});
  ASSERT_EQ(r.events.size(), 2U);
  EXPECT_THAT(r.events[0], AllOf(HasSubstr("status=401"), Not(HasSubstr("credentials="))));
  EXPECT_THAT(r.events[1], AllOf(HasSubstr("status=200"), HasSubstr("auth=digest:admin"),
                                 HasSubstr("credentials=default (Dahua, Sony")));
}

TEST(HttpParser, BearerTokensAreNamedButNeverKept) {
  const auto r =
      run({to_server("GET /x HTTP/1.1\r\nAuthorization: Bearer eyJhbGciOi.secret\r\n\r\n")});
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("auth=bearer:")));
  EXPECT_THAT(r.events[0], Not(HasSubstr("secret")));
  EXPECT_THAT(r.anomalies, ElementsAre("http.cleartext_credentials"));
}

TEST(HttpParser, AnUnknownSchemeIsUnrecognisedAndBadBase64IsInvalid) {
  const auto r =
      run({to_server("GET /x HTTP/1.1\r\nAuthorization: Foo bar\r\n\r\n"
                     "GET /y HTTP/1.1\r\nAuthorization: Basic !!!\r\n\r\n")});
  EXPECT_THAT(r.anomalies, ElementsAre("http.auth_unrecognized", "http.invalid_authorization",
                                       "http.cleartext_credentials"));
}

TEST(HttpParser, Base64DecodesWithAndWithoutPadding) {
  std::string out;
  EXPECT_TRUE(decode_base64("dXNlcjpwYXNz", out, 64));
  EXPECT_EQ(out, "user:pass");
  out.clear();
  EXPECT_TRUE(decode_base64("YQ==", out, 64));
  EXPECT_EQ(out, "a");
  out.clear();
  EXPECT_FALSE(decode_base64("a*b", out, 64));
  out.clear();
  EXPECT_TRUE(decode_base64("dXNlcjpwYXNz", out, 4));
  EXPECT_EQ(out, "user");
}

// ---------------------------------------------------------------------------------------------
// FHIR.

TEST(HttpParser, FhirPathsGiveResourceTypeAndId) {
  std::string_view type;
  std::string_view id;
  ASSERT_TRUE(fhir_path("/fhir/Patient/123", type, id));
  EXPECT_EQ(type, "Patient");
  EXPECT_EQ(id, "123");
  ASSERT_TRUE(fhir_path("/fhir/Observation?patient=p1", type, id));
  EXPECT_EQ(type, "Observation");
  EXPECT_EQ(id, "");
  ASSERT_TRUE(fhir_path("http://ehr:8080/base/fhir/R4/Device/d-7/_history/2", type, id));
  EXPECT_EQ(type, "Device");
  EXPECT_EQ(id, "d-7");
  ASSERT_TRUE(fhir_path("/fhir/Patient/_search", type, id));
  EXPECT_EQ(id, "");
  EXPECT_FALSE(fhir_path("/index.html", type, id));
  EXPECT_FALSE(fhir_path("/fhir", type, id));
}

TEST(HttpParser, AFhirPatientPostIsRecognisedAndItsPhiObservedWithoutValues) {
  const std::string body =
      R"({"resourceType":"Patient","id":"pat-1","identifier":[{"value":"MRN-SYN-1"}],)"
      R"("name":[{"family":"Synthetic","given":["Test"]}],"birthDate":"1970-01-01"})";
  const auto r = run({to_server("POST /fhir/Patient HTTP/1.1\r\nHost: ehr\r\nContent-Type: "
                                "application/fhir+json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body),
                      to_client("HTTP/1.1 201 Created\r\nLocation: /fhir/Patient/pat-1\r\n"
                                "Content-Length: 0\r\n\r\n")});
  EXPECT_THAT(r.events, ElementsAre("phi http Patient: fhir.Patient.name fhir.Patient.birthDate "
                                    "fhir.Patient.identifier",
                                    HasSubstr("fhir=Patient/pat-1 phi=fhir.Patient.name,"
                                              "fhir.Patient.birthDate,fhir.Patient.identifier")));
}

TEST(HttpParser, AFhirObservationSearchByPatientIsPhiAndTheBundleIsScannedInside) {
  const std::string body =
      R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":)"
      R"({"resourceType":"Observation","id":"obs-9","subject":{"reference":"Patient/pat-1"}}}]})";
  const auto r = run({to_server("GET /fhir/Observation?patient=pat-1&code=8867-4 HTTP/1.1\r\n"
                                "Host: ehr\r\nAccept: application/fhir+json\r\n\r\n"),
                      to_client("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
                                "Content-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body)});
  EXPECT_THAT(r.events, ElementsAre("phi http Observation: fhir.search.patient",
                                    "phi http Bundle: fhir.Observation.subject",
                                    HasSubstr("fhir=Observation/ phi=fhir.search.patient,"
                                              "fhir.Observation.subject")));
}

TEST(HttpParser, AFhirXmlDeviceIsRecognised) {
  const std::string body =
      "<?xml version=\"1.0\"?><Device xmlns=\"http://hl7.org/fhir\"><id value=\"pump-3\"/>"
      "<patient><reference value=\"Patient/p\"/></patient></Device>";
  const auto r =
      run({to_server("PUT /api/Device/pump-3 HTTP/1.1\r\nContent-Type: "
                     "application/fhir+xml\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body)});
  EXPECT_THAT(r.events, ElementsAre("phi http Device: fhir.Device.patient",
                                    HasSubstr("fhir=Device/pump-3 phi=fhir.Device.patient")));
}

TEST(HttpParser, ATruncatedFhirBodyStillGivesWhatWasSeen) {
  Limits l;
  l.max_body_excerpt_bytes = 60;
  const std::string body =
      R"({"resourceType":"Patient","id":"p2","name":[{"family":"Synthetic"}],"gender":"other"})";
  const auto r = run({to_server("POST /fhir/Patient HTTP/1.1\r\nContent-Type: application/fhir+json"
                                "\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body)},
                     l);
  EXPECT_THAT(r.events,
              ElementsAre("phi http Patient: fhir.Patient.name", HasSubstr("fhir=Patient/p2")));
}

// ---------------------------------------------------------------------------------------------
// Content-Encoding.

// `text` compressed with a gzip wrapper (RFC 1952).
std::string gzip(const std::string& text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  std::vector<unsigned char> in(text.begin(), text.end());
  std::vector<unsigned char> buf(out.size());
  z.next_in = in.data();
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = buf.data();
  z.avail_out = static_cast<uInt>(buf.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  const std::size_t n = buf.size() - z.avail_out;
  deflateEnd(&z);
  return std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
}

TEST(HttpParser, GzipBodiesAreCountedInflatedAndTheirFhirContentIsRead) {
  // Zeek's response_body_len is the uncompressed size (pipelined-requests.pcap sends gzip).
  const std::string json =
      R"({"resourceType":"Patient","id":"gz-1","birthDate":"1950-05-05","text":")" +
      std::string(3000, 'x') + R"("})";
  const std::string z = gzip(json);
  ASSERT_LT(z.size(), json.size());
  const auto r = run({to_server("GET /fhir/Patient/gz-1 HTTP/1.1\r\nHost: h\r\n\r\n"),
                      to_client("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
                                "Content-Encoding: gzip\r\nContent-Length: " +
                                std::to_string(z.size()) + "\r\n\r\n" + z)});
  EXPECT_THAT(r.events, ElementsAre("phi http Patient: fhir.Patient.birthDate",
                                    HasSubstr("resp=" + std::to_string(json.size()))));
  EXPECT_THAT(r.anomalies, IsEmpty());
}

TEST(HttpParser, EverySplitOfAGzipBodyGivesTheSameLength) {
  const std::string z = gzip(std::string(500, 'a') + "end");
  const auto f = factory();
  testing::expect_same_events_for_every_split(
      f, describe,
      {to_server("GET / HTTP/1.1\r\n\r\n"),
       to_client("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
                 [&] {
                   std::ostringstream hex;
                   hex << std::hex << z.size();
                   return hex.str();
                 }() +
                 "\r\n" + z + "\r\n0\r\n\r\n")},
      /*reply_in_between=*/false);
}

TEST(HttpParser, ACorruptGzipBodyIsAnAnomalyAndCountedAsSent) {
  const std::string junk = "this is not gzip at all";
  const auto r = run({to_server("GET / HTTP/1.1\r\n\r\n"),
                      to_client("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                std::to_string(junk.size()) + "\r\n\r\n" + junk)});
  EXPECT_THAT(r.anomalies, ElementsAre("http.bad_content_encoding"));
  EXPECT_THAT(r.events, ElementsAre(HasSubstr("status=200 OK resp=23")));
}

TEST(HttpParser, InflatingStopsAtTheDecompressionLimit) {
  Limits l;
  l.max_decompressed_bytes = 1000;
  const std::string z = gzip(std::string(100000, '0'));  // ~100 bytes on the wire
  const auto r = run({to_server("GET / HTTP/1.1\r\n\r\n"),
                      to_client("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                std::to_string(z.size()) + "\r\n\r\n" + z)},
                     l);
  EXPECT_THAT(r.anomalies, ElementsAre("http.decompression_limit"));
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_THAT(r.events[0], Not(HasSubstr("resp=100000")));
}

// ---------------------------------------------------------------------------------------------
// Probe and the log.

TEST(HttpParser, ProbeRecognisesRequestAndStatusLinesOnly) {
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("GET / HTTP/1.1\r\n"))),
            Probe::kYes);
  EXPECT_EQ(probe(Direction::kToClient, as_bytes(std::string_view("HTTP/1.1 200 OK\r\n"))),
            Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("GE"))), Probe::kMaybe);
  // flow.probe_bytes may cut the line: a registered method and a path are enough.
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("POST /api/v4/users/lo"))),
            Probe::kYes);
  EXPECT_EQ(probe(Direction::kToClient, as_bytes(std::string_view("HTTP/1.1 200 O"))), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("HELLO /x"))), Probe::kMaybe);
  EXPECT_EQ(probe(Direction::kToClient, as_bytes(std::string_view("HTT"))), Probe::kMaybe);
  EXPECT_EQ(
      probe(Direction::kToServer, as_bytes(std::string_view("OPTIONS rtsp://cam/ RTSP/1.0\r\n"))),
      Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("SSH-2.0-x\r\n"))), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("\x16\x03\x01"))), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("GET /zeek.html\r\n"))),
            Probe::kNo);
}

class CaptureSink final : public bus::LogSink {
 public:
  void write(std::string_view name, std::string_view line) override {
    names.emplace_back(name);
    lines.emplace_back(line);
  }
  std::vector<std::string> names;
  std::vector<std::string> lines;
};

class LogSubscriberSink final : public EventSink {
 public:
  explicit LogSubscriberSink(bus::Subscriber& log) : log_(log) {}
  void emit(const bus::Event& e) override {
    bus::EventContext ctx;
    ctx.ts = 1'700'000'000 * kNsPerSec;
    ctx.uid = "Ctest";
    log_.on_event(ctx, e);
  }
  void anomaly(std::string_view id, std::string_view /*detail*/) override {
    anomalies.emplace_back(id);
  }
  void confirm_protocol() override {}
  [[nodiscard]] TimeNs packet_time() const override { return 1'700'000'000 * kNsPerSec; }
  std::vector<std::string> anomalies;

 private:
  bus::Subscriber& log_;
};

TEST(HttpLog, RecordsHaveZeeksFieldNamesAndNeverCredentialsOrPhiValues) {
  CaptureSink out;
  LogOptions o;
  o.phi_key = "unit-test-key-unit-test-key";
  HttpLog log(out, o);
  LogSubscriberSink sink(log);
  const auto f = factory();
  auto p = f.make(sink);
  const std::string req =
      "GET /fhir/Patient?name=Synthetic&birthdate=1970-01-01&_count=5 HTTP/1.1\r\nHost: ehr\r\n"
      "User-Agent: ward-test\r\nReferer: http://r/\r\nAuthorization: Basic "
      "bnVyc2U6aHVudGVyMg==\r\n\r\n"; /* nurse:hunter2 */
  ASSERT_TRUE(p->on_data(Direction::kToServer, as_bytes(req)).ok());
  ASSERT_TRUE(p->on_data(Direction::kToClient,
                         as_bytes(std::string_view("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 "
                                                   "Unauthorized\r\nServer: s\r\nContent-Length: "
                                                   "0\r\n\r\n")))
                  .ok());
  p->on_end(Direction::kToServer);
  p->on_end(Direction::kToClient);
  ASSERT_EQ(out.lines.size(), 1U);
  EXPECT_EQ(out.names[0], "http");
  const auto j = nlohmann::json::parse(out.lines[0]);
  EXPECT_EQ(j["trans_depth"], 1);
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["host"], "ehr");
  EXPECT_EQ(j["version"], "1.1");
  EXPECT_EQ(j["request_version"], "1.1");
  EXPECT_EQ(j["user_agent"], "ward-test");
  EXPECT_EQ(j["referrer"], "http://r/");
  EXPECT_EQ(j["status_code"], 401);
  EXPECT_EQ(j["status_msg"], "Unauthorized");
  EXPECT_EQ(j["info_code"], 100);
  EXPECT_EQ(j["info_msg"], "Continue");
  EXPECT_EQ(j["username"], "nurse");
  EXPECT_EQ(j["auth_scheme"], "basic");
  EXPECT_EQ(j["server"], "s");
  EXPECT_EQ(j["fhir_resource_type"], "Patient");
  EXPECT_EQ(j["request_body_len"], 0);
  EXPECT_THAT(j["phi_fields"], Contains("fhir.search.name"));
  const std::string uri = j["uri"];
  EXPECT_THAT(uri, HasSubstr("/fhir/Patient?name=hmac:"));
  EXPECT_THAT(uri, HasSubstr("&_count=5"));
  EXPECT_THAT(out.lines[0], Not(HasSubstr("Synthetic")));
  EXPECT_THAT(out.lines[0], Not(HasSubstr("1970-01-01")));
  EXPECT_THAT(out.lines[0], Not(HasSubstr("hunter2")));
  EXPECT_THAT(out.lines[0], Not(HasSubstr("bnVyc2U6aHVudGVyMg")));
  EXPECT_THAT(sink.anomalies, ElementsAre("http.cleartext_credentials"));
}

TEST(HttpLimits, OverridesAreReadAndClamped) {
  LimitOverrides o;
  o.set("http.max_header_bytes", 1);
  o.set("http.max_headers", 7);
  o.set("http.max_body_excerpt_bytes", 1'000'000'000);
  const Limits l = limits_from(o);
  EXPECT_EQ(l.max_header_bytes, 256U);
  EXPECT_EQ(l.max_headers, 7U);
  EXPECT_EQ(l.max_body_excerpt_bytes, 1024U * 1024U);
  EXPECT_EQ(l.max_pending_transactions, Limits{}.max_pending_transactions);
}

}  // namespace
}  // namespace ward::parsers::http
