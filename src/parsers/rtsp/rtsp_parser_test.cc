// Unit tests of the RTSP parser and the `rtsp` log. The VLC/LIVE555 conversation is the text of
// TCP stream 1 of nDPI's tests/pcap/rtsp.pcap (../shared/data/pcap/ndpi/rtsp.pcap, extracted
// with `tshark -z follow,tcp,ascii,1`); the authentication, interleaving and error cases are
// written from RFC 2326 / RFC 7826 / RFC 7617 examples.
#include "parsers/rtsp/rtsp_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "parsers/rtp/rtp_events.h"
#include "parsers/rtp/rtp_log.h"
#include "parsers/rtsp/rtsp_events.h"
#include "parsers/rtsp/rtsp_log.h"
#include "parsers/stream_driver.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::rtsp {
namespace {

using parsers::testing::Chunk;
using parsers::testing::to_client;
using parsers::testing::to_server;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string range(const std::array<int, 2>& r) {
  if (r[0] < 0) return "";
  return std::to_string(r[0]) + (r[1] >= 0 ? "-" + std::to_string(r[1]) : "");
}

// One line per event with everything a user would check.
std::string describe(const bus::Event& e) {
  if (const auto* tx = bus::event_cast<RtspTransaction>(e)) {
    std::string s;
    if (const RtspRequest* r = tx->request) {
      s = r->method + " " + r->uri;
      if (r->has_cseq) s += " cseq=" + std::to_string(r->cseq);
      if (!r->session.empty()) s += " session=" + r->session;
      if (!r->url_user.empty()) s += " url_user=" + r->url_user;
      if (!r->auth_scheme.empty()) s += " auth=" + r->auth_scheme + ":" + r->auth_user;
      if (r->credential_weakness != auth::Weakness::kNone)
        s += " credentials=" + std::string(auth::weakness_name(r->credential_weakness)) + " (" +
             std::string(r->credential_detail) + ")";
      if (r->transport.present()) s += " req_transport=" + r->transport.raw;
      if (r->sdp.present) s += " req_sdp_media=" + std::to_string(r->sdp.media.size());
    } else {
      s = "(no request)";
    }
    if (tx->has_response) {
      s += " -> " + std::to_string(tx->status);
      if (!tx->session.empty()) s += " session=" + std::string(tx->session);
      if (!tx->server.empty()) s += " server=" + std::string(tx->server);
      if (!tx->www_authenticate.empty()) s += " challenge=" + std::string(tx->www_authenticate);
      if (const TransportInfo* t = tx->response_transport) {
        s += " transport=" + t->profile + "/" + t->lower + " client=" + range(t->client_port) +
             " server=" + range(t->server_port) + " interleaved=" + range(t->interleaved) +
             " srtp=" + (t->srtp() ? "1" : "0") + (t->multicast ? " multicast" : "");
      }
      if (const SdpSummary* sdp = tx->response_sdp) {
        for (const SdpMedia& m : sdp->media) {
          s += " m=" + m.media + ":" + m.proto + ":" + m.formats;
          for (const std::string& c : m.codecs) s += "," + c;
        }
      }
    } else {
      s += " -> (no response)";
    }
    if (!tx->auth_result.empty()) s += " auth_result=" + std::string(tx->auth_result);
    return s;
  }
  if (const auto* r = bus::event_cast<rtp::RtpStream>(e)) {
    return "rtp ch=" + std::to_string(r->channel) + " ssrc=" + std::to_string(r->ssrc) +
           " pt=" + std::to_string(r->payload_type) + " pkts=" + std::to_string(r->packets) +
           " bytes=" + std::to_string(r->bytes) + " lost=" + std::to_string(r->lost) +
           " rtcp=" + std::to_string(r->rtcp_packets);
  }
  return "";
}

// Records the flows the parser announces, besides what RecordingSink records.
class ExpectingSink : public parsers::testing::RecordingSink {
 public:
  ExpectingSink() : RecordingSink(describe) {}
  void expect_flow(const ExpectedFlow& e) override {
    expected.push_back(std::string(e.parser) + " orig_port=" + std::to_string(e.orig_port) +
                       " resp_port=" + std::to_string(e.resp_port) +
                       (e.has_orig_addr ? " orig_addr=" + e.orig_addr.to_string() : "") +
                       (e.has_resp_addr ? " resp_addr=" + e.resp_addr.to_string() : ""));
  }
  std::vector<std::string> expected;
};

const RtspParserFactory& factory() {
  static const RtspParserFactory f{Limits{}};
  return f;
}

// Runs whole chunks through a StreamDriver into an ExpectingSink.
void run(ExpectingSink& sink, const std::vector<Chunk>& chunks,
         const RtspParserFactory& f = factory()) {
  auto parser = f.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  for (const Chunk& c : chunks) driver.deliver(*parser, sink, c.dir, ByteView(c.bytes));
  driver.end(*parser, Direction::kToServer);
  driver.end(*parser, Direction::kToClient);
}

// --- The VLC client / VLC server conversation of nDPI's rtsp.pcap (TCP stream 1). ---------------

constexpr std::string_view kSdp =
    "v=0\r\n"
    "o=- 16477882915028377644 16477882915028377644 IN IP4 kali\r\n"
    "s=Unnamed\r\n"
    "i=N/A\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "t=0 0\r\n"
    "a=tool:vlc 3.0.12\r\n"
    "a=recvonly\r\n"
    "a=type:broadcast\r\n"
    "a=charset:UTF-8\r\n"
    "a=control:rtsp://10.2.2.2:8554/\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "b=RR:0\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1;profile-level-id=4d401f;sprop-parameter-sets=Z01AH+iAKALdgLUBAQ"
    "FAAAD6QAAu4APGDESA,aOvvIA==;\r\n"
    "a=control:rtsp://10.2.2.2:8554/trackID=0\r\n"
    "m=audio 0 RTP/AVP 96\r\n"
    "b=RR:0\r\n"
    "a=rtpmap:96 mpeg4-generic/44100/2\r\n"
    "a=fmtp:96 streamtype=5; profile-level-id=15; mode=AAC-hbr; config=12100000000000000000000000"
    "000000; SizeLength=13; IndexLength=3; IndexDeltaLength=3; Profile=1;\r\n"
    "a=control:rtsp://10.2.2.2:8554/trackID=1\r\n";

constexpr std::string_view kUa =
    "User-Agent: LibVLC/3.0.16 (LIVE555 Streaming Media v2016.11.28)\r\n";

std::vector<Chunk> vlc_conversation() {
  const std::string ua(kUa);
  std::string describe_reply =
      "RTSP/1.0 200 OK\r\nServer: VLC/3.0.12\r\nDate: Thu, 29 Jul 2021 14:01:25 GMT\r\n"
      "Content-Type: application/sdp\r\nContent-Base: rtsp://10.2.2.2:8554/\r\n"
      "Content-Length: " +
      std::to_string(kSdp.size()) + "\r\nCache-Control: no-cache\r\nCseq: 3\r\n\r\n" +
      std::string(kSdp);
  return {
      to_server("OPTIONS rtsp://10.2.2.2:8554/ RTSP/1.0\r\nCSeq: 2\r\n" + ua + "\r\n"),
      to_client("RTSP/1.0 200 OK\r\nServer: VLC/3.0.12\r\nContent-Length: 0\r\nCseq: 2\r\n"
                "Public: DESCRIBE,SETUP,TEARDOWN,PLAY,PAUSE,GET_PARAMETER\r\n\r\n"),
      to_server("DESCRIBE rtsp://10.2.2.2:8554/ RTSP/1.0\r\nCSeq: 3\r\n" + ua +
                "Accept: application/sdp\r\n\r\n"),
      to_client(describe_reply),
      to_server("SETUP rtsp://10.2.2.2:8554/trackID=0 RTSP/1.0\r\nCSeq: 4\r\n" + ua +
                "Transport: RTP/AVP;unicast;client_port=55664-55665\r\n\r\n"),
      to_client("RTSP/1.0 200 OK\r\nServer: VLC/3.0.12\r\nDate: Thu, 29 Jul 2021 14:01:25 GMT\r\n"
                "Transport: RTP/AVP/UDP;unicast;client_port=55664-55665;server_port=58547-58548;"
                "ssrc=B1964B48;mode=play\r\nSession: 8c30e102191f49d1;timeout=60\r\n"
                "Content-Length: 0\r\nCache-Control: no-cache\r\nCseq: 4\r\n\r\n"),
      to_server("SETUP rtsp://10.2.2.2:8554/trackID=1 RTSP/1.0\r\nCSeq: 5\r\n" + ua +
                "Transport: RTP/AVP;unicast;client_port=55666-55667\r\n"
                "Session: 8c30e102191f49d1\r\n\r\n"),
      to_client("RTSP/1.0 200 OK\r\nServer: VLC/3.0.12\r\nDate: Thu, 29 Jul 2021 14:01:25 GMT\r\n"
                "Transport: RTP/AVP/UDP;unicast;client_port=55666-55667;server_port=57431-57432;"
                "ssrc=935E47F4;mode=play\r\nSession: 8c30e102191f49d1;timeout=60\r\n"
                "Content-Length: 0\r\nCache-Control: no-cache\r\nCseq: 5\r\n\r\n"),
      to_server("PLAY rtsp://10.2.2.2:8554/ RTSP/1.0\r\nCSeq: 6\r\n" + ua +
                "Session: 8c30e102191f49d1\r\nRange: npt=0.000-\r\n\r\n"),
      to_client("RTSP/1.0 200 OK\r\nServer: VLC/3.0.12\r\nDate: Thu, 29 Jul 2021 14:01:25 GMT\r\n"
                "RTP-Info: url=rtsp://10.2.2.2:8554/trackID=0;seq=33751;rtptime=2898571121, "
                "url=rtsp://10.2.2.2:8554/trackID=1;seq=59155;rtptime=3438934478\r\n"
                "Range: npt=119.710815-\r\nSession: 8c30e102191f49d1;timeout=60\r\n"
                "Content-Length: 0\r\nCache-Control: no-cache\r\nCseq: 6\r\n\r\n"),
      to_server("GET_PARAMETER rtsp://10.2.2.2:8554/ RTSP/1.0\r\nCSeq: 7\r\n" + ua +
                "Session: 8c30e102191f49d1\r\n\r\n"),
  };
}

TEST(Rtsp, AVlcSessionIsPairedRequestByResponseThroughCSeq) {
  ExpectingSink sink;
  run(sink, vlc_conversation());
  EXPECT_EQ(sink.confirmations, 1);
  EXPECT_THAT(sink.anomalies, IsEmpty());
  ASSERT_EQ(sink.events.size(), 6u);
  EXPECT_EQ(sink.events[0], "OPTIONS rtsp://10.2.2.2:8554/ cseq=2 -> 200 server=VLC/3.0.12");
  EXPECT_EQ(sink.events[1],
            "DESCRIBE rtsp://10.2.2.2:8554/ cseq=3 -> 200 server=VLC/3.0.12 "
            "m=video:RTP/AVP:96,H264/90000 m=audio:RTP/AVP:96,mpeg4-generic/44100/2");
  EXPECT_EQ(sink.events[2],
            "SETUP rtsp://10.2.2.2:8554/trackID=0 cseq=4 "
            "req_transport=RTP/AVP;unicast;client_port=55664-55665 -> 200 "
            "session=8c30e102191f49d1 server=VLC/3.0.12 transport=RTP/AVP/UDP "
            "client=55664-55665 server=58547-58548 interleaved= srtp=0");
  EXPECT_EQ(sink.events[3],
            "SETUP rtsp://10.2.2.2:8554/trackID=1 cseq=5 session=8c30e102191f49d1 "
            "req_transport=RTP/AVP;unicast;client_port=55666-55667 -> 200 "
            "session=8c30e102191f49d1 server=VLC/3.0.12 transport=RTP/AVP/UDP "
            "client=55666-55667 server=57431-57432 interleaved= srtp=0");
  EXPECT_EQ(sink.events[4],
            "PLAY rtsp://10.2.2.2:8554/ cseq=6 session=8c30e102191f49d1 -> 200 "
            "session=8c30e102191f49d1 server=VLC/3.0.12");
  // The keep-alive was never answered before the capture ended.
  EXPECT_EQ(sink.events[5],
            "GET_PARAMETER rtsp://10.2.2.2:8554/ cseq=7 session=8c30e102191f49d1 -> (no response)");
}

TEST(Rtsp, SetupAnnouncesTheRtpAndRtcpFlowsOfEachTrack) {
  ExpectingSink sink;
  run(sink, vlc_conversation());
  // RFC 2326 §12.39: client_port / server_port pairs are RTP then RTCP.
  EXPECT_THAT(
      sink.expected,
      ElementsAre("rtp orig_port=55664 resp_port=58547", "rtp orig_port=55665 resp_port=58548",
                  "rtp orig_port=55666 resp_port=57431", "rtp orig_port=55667 resp_port=57432"));
}

TEST(Rtsp, TheSameEventsForEveryWayTheStreamIsCut) {
  // Pairing depends on the order of the two directions, so no reply-in-between variant.
  parsers::testing::expect_same_events_for_every_split(factory(), describe, vlc_conversation(),
                                                       /*reply_in_between=*/false);
}

TEST(Rtsp, TheLogRecordCarriesWhatAUserLooksFor) {
  ExpectingSink sink;
  std::vector<std::string> lines;
  struct Capture : bus::LogSink {
    std::vector<std::string>* out;
    void write(std::string_view, std::string_view line) override { out->emplace_back(line); }
  } cap;
  cap.out = &lines;
  RtspLog log(cap);
  class Forward : public ExpectingSink {
   public:
    explicit Forward(RtspLog& l) : log_(l) { IpAddr::parse("10.1.1.10", ctx_.orig_h); }
    void emit(const bus::Event& e) override {
      ExpectingSink::emit(e);
      log_.on_event(ctx_, e);
    }

   private:
    RtspLog& log_;
    bus::EventContext ctx_;
  } fwd(log);
  run(fwd, vlc_conversation());
  ASSERT_EQ(lines.size(), 6u);
  const auto setup = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(setup["method"], "SETUP");
  EXPECT_EQ(setup["uri"], "rtsp://10.2.2.2:8554/trackID=0");
  EXPECT_EQ(setup["cseq"], 4);
  EXPECT_EQ(setup["status"], 200);
  EXPECT_EQ(setup["session"], "8c30e102191f49d1");
  EXPECT_EQ(setup["server"], "VLC/3.0.12");
  EXPECT_EQ(setup["user_agent"], "LibVLC/3.0.16 (LIVE555 Streaming Media v2016.11.28)");
  EXPECT_EQ(setup["transport"],
            "RTP/AVP/UDP;unicast;client_port=55664-55665;server_port=58547-58548;ssrc=B1964B48;"
            "mode=play");
  EXPECT_EQ(setup["lower_transport"], "udp");
  EXPECT_EQ(setup["cast"], "unicast");
  EXPECT_EQ(setup["srtp"], false);
  EXPECT_EQ(setup["client_port"], "55664-55665");
  EXPECT_EQ(setup["server_port"], "58547-58548");
  const auto describe_rec = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(describe_rec["response_body_len"], kSdp.size());
  EXPECT_EQ(describe_rec["media"][0]["type"], "video");
  EXPECT_EQ(describe_rec["media"][0]["codecs"][0], "H264/90000");
  EXPECT_EQ(describe_rec["media"][1]["codecs"][0], "mpeg4-generic/44100/2");
  const auto keepalive = nlohmann::json::parse(lines[5]);
  EXPECT_FALSE(keepalive.contains("status"));
}

// --- Authentication ------------------------------------------------------------------------

// "admin:s3cret-pw" in base64 (RFC 7617 §2).
constexpr std::string_view kBasicAdmin = "YWRtaW46czNjcmV0LXB3";

TEST(Rtsp, A401ThenA200WithBasicCredentialsIsAnAuthenticationSuccess) {
  ExpectingSink sink;
  run(sink, {to_server("DESCRIBE rtsp://cam.example/stream RTSP/1.0\r\nCSeq: 2\r\n\r\n"),
             to_client("RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n"
                       "WWW-Authenticate: Basic realm=\"cam\"\r\n\r\n"),
             to_server("DESCRIBE rtsp://cam.example/stream RTSP/1.0\r\nCSeq: 3\r\n"
                       "Authorization: Basic " +
                       std::string(kBasicAdmin) + "\r\n\r\n"),
             to_client("RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 0\r\n\r\n")});
  EXPECT_THAT(sink.events,
              ElementsAre("DESCRIBE rtsp://cam.example/stream cseq=2 -> 401 challenge=Basic "
                          "auth_result=challenge",
                          "DESCRIBE rtsp://cam.example/stream cseq=3 auth=Basic:admin -> 200 "
                          "auth_result=success"));
  // Basic sends the password in clear: that is an anomaly; the password is nowhere.
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.basic_auth_cleartext"));
  for (const std::string& e : sink.events) EXPECT_THAT(e, Not(HasSubstr("s3cret")));
}

// Digest for root / pass (Axis's factory account) on DESCRIBE rtsp://10.10.6.61:554/test, the
// response computed with Python's hashlib (RFC 2617 §3.2.2.1 without qop).
constexpr std::string_view kDigestAxisRoot =
    "Digest username=\"root\", realm=\"AXIS_ACCC8E000000\", nonce=\"0123456789abcdef\", "
    "uri=\"rtsp://10.10.6.61:554/test\", response=\"d99658ab89150cd2619dfc434ddac389\"";

TEST(Rtsp, AcceptedFactoryCredentialsAreMarkedRefusedOnesAreNotChecked) {
  ExpectingSink sink;
  const std::string describe = "DESCRIBE rtsp://10.10.6.61:554/test RTSP/1.0\r\nCSeq: ";
  run(sink,
      {to_server(describe + "2\r\nAuthorization: " + std::string(kDigestAxisRoot) + "\r\n\r\n"),
       to_client("RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n"
                 "WWW-Authenticate: Digest realm=\"AXIS_ACCC8E000000\", nonce=\"1\"\r\n\r\n"),
       to_server(describe + "3\r\nAuthorization: " + std::string(kDigestAxisRoot) + "\r\n\r\n"),
       to_client("RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 0\r\n\r\n"),
       to_server("DESCRIBE rtsp://root:pass@10.10.6.61/test RTSP/1.0\r\nCSeq: 4\r\n\r\n"),
       to_client("RTSP/1.0 200 OK\r\nCSeq: 4\r\nContent-Length: 0\r\n\r\n")});
  EXPECT_THAT(sink.events,
              ElementsAre("DESCRIBE rtsp://10.10.6.61:554/test cseq=2 auth=Digest:root -> 401 "
                          "challenge=Digest auth_result=failure",
                          "DESCRIBE rtsp://10.10.6.61:554/test cseq=3 auth=Digest:root "
                          "credentials=default (Axis factory account) -> 200 auth_result=success",
                          "DESCRIBE rtsp://10.10.6.61/test cseq=4 url_user=root "
                          "credentials=default (Axis factory account) -> 200"));
  for (const std::string& e : sink.events) EXPECT_THAT(e, Not(HasSubstr("pass")));
}

TEST(Rtsp, RepeatedRefusalsOfCredentialsAreAuthenticationFailures) {
  ExpectingSink sink;
  run(sink,
      {to_server("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"),
       to_client("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n"
                 "WWW-Authenticate: Digest realm=\"cam\", nonce=\"abc\"\r\n"
                 "WWW-Authenticate: Basic realm=\"cam\"\r\n\r\n"),
       to_server("OPTIONS * RTSP/1.0\r\nCSeq: 2\r\nAuthorization: Digest username=\"operator\", "
                 "realm=\"cam\", nonce=\"abc\", uri=\"*\", response=\"0123\"\r\n\r\n"),
       to_client("RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n\r\n"),
       to_server("OPTIONS * RTSP/1.0\r\nCSeq: 3\r\nAuthorization: Digest username=\"admin\", "
                 "realm=\"cam\", nonce=\"abc\", uri=\"*\", response=\"4567\"\r\n\r\n"),
       to_client("RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\n\r\n")});
  EXPECT_THAT(sink.events,
              ElementsAre("OPTIONS * cseq=1 -> 401 challenge=Digest,Basic auth_result=challenge",
                          "OPTIONS * cseq=2 auth=Digest:operator -> 401 auth_result=failure",
                          "OPTIONS * cseq=3 auth=Digest:admin -> 401 auth_result=failure"));
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.auth_failed", "rtsp.auth_failed"));
}

TEST(Rtsp, CredentialsInTheUrlLeaveOnlyTheUserNameAndAnAnomaly) {
  ExpectingSink sink;
  run(sink, {to_server("DESCRIBE rtsp://admin:12345@192.0.2.7:554/Streaming/Channels/101 "
                       "RTSP/1.0\r\nCSeq: 1\r\n\r\n"),
             to_client("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n")});
  // admin / 12345 is Hikvision's factory account: checked, marked, and not kept.
  EXPECT_THAT(sink.events, ElementsAre("DESCRIBE rtsp://192.0.2.7:554/Streaming/Channels/101 "
                                       "cseq=1 url_user=admin credentials=default (Hikvision "
                                       "and Panasonic factory account) -> 200"));
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.credentials_in_url"));
  EXPECT_THAT(sink.events[0], Not(HasSubstr("12345")));
}

TEST(Rtsp, AUserNameWithoutPasswordInTheUrlIsNoAnomaly) {
  ExpectingSink sink;
  run(sink, {to_server("OPTIONS rtsp://viewer@192.0.2.7/ RTSP/1.0\r\nCSeq: 1\r\n\r\n")});
  EXPECT_THAT(sink.events, ElementsAre("OPTIONS rtsp://192.0.2.7/ cseq=1 url_user=viewer -> "
                                       "(no response)"));
  EXPECT_THAT(sink.anomalies, IsEmpty());
}

TEST(Rtsp, UserNamesComeFromBasicAndDigestButPasswordsNever) {
  EXPECT_EQ(auth_user_name("Basic", kBasicAdmin), "admin");
  EXPECT_EQ(auth_user_name("basic", "bm9jb2xvbg=="), "nocolon");  // "nocolon": all user
  EXPECT_EQ(auth_user_name("Basic", "!!!"), "");
  EXPECT_EQ(auth_user_name("Digest", "realm=\"a,b\", username=\"nurse\", nonce=\"x\""), "nurse");
  EXPECT_EQ(auth_user_name("Digest", "realm=\"x\""), "");
  EXPECT_EQ(auth_user_name("Bearer", "abc"), "");
}

// --- Transports -----------------------------------------------------------------------------

TEST(Rtsp, SavpTransportsAreSrtp) {
  ExpectingSink sink;
  run(sink, {to_server("SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 1\r\n"
                       "Transport: RTP/SAVP;unicast;client_port=4588-4589\r\n\r\n"),
             to_client("RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: 12345678\r\n"
                       "Transport: RTP/SAVP/UDP;unicast;client_port=4588-4589;"
                       "server_port=6256-6257\r\n\r\n")});
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_THAT(sink.events[0], HasSubstr("transport=RTP/SAVP/UDP client=4588-4589 "
                                        "server=6256-6257 interleaved= srtp=1"));
  EXPECT_THAT(sink.expected, ElementsAre("rtp orig_port=4588 resp_port=6256",
                                         "rtp orig_port=4589 resp_port=6257"));
}

TEST(Rtsp, AMulticastSetupExpectsTheGroupFromAnyServerPort) {
  ExpectingSink sink;
  run(sink, {to_server("SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 1\r\n"
                       "Transport: RTP/AVP;multicast\r\n\r\n"),
             to_client("RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: 1\r\n"
                       "Transport: RTP/AVP;multicast;destination=232.1.2.3;port=5000-5001;ttl=16"
                       "\r\n\r\n")});
  EXPECT_THAT(sink.events[0], HasSubstr("multicast"));
  EXPECT_THAT(sink.expected, ElementsAre("rtp orig_port=5000 resp_port=0 orig_addr=232.1.2.3",
                                         "rtp orig_port=5001 resp_port=0 orig_addr=232.1.2.3"));
}

TEST(Rtsp, ARefusedSetupAnnouncesNothing) {
  ExpectingSink sink;
  run(sink, {to_server("SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 1\r\n"
                       "Transport: RTP/AVP;unicast;client_port=4588-4589\r\n\r\n"),
             to_client("RTSP/1.0 461 Unsupported Transport\r\nCSeq: 1\r\n\r\n")});
  EXPECT_THAT(sink.expected, IsEmpty());
}

// Two RTP packets (PT 26 JPEG, SSRC 0x01020304, seq 7 and 8) and one RTCP SR on channels 0/1.
std::vector<std::uint8_t> interleaved(std::uint8_t channel, std::vector<std::uint8_t> packet) {
  std::vector<std::uint8_t> out = {'$', channel, static_cast<std::uint8_t>(packet.size() >> 8),
                                   static_cast<std::uint8_t>(packet.size())};
  out.insert(out.end(), packet.begin(), packet.end());
  return out;
}
std::vector<std::uint8_t> rtp_packet(std::uint16_t seq, std::size_t payload) {
  std::vector<std::uint8_t> p = {0x80,
                                 26,
                                 static_cast<std::uint8_t>(seq >> 8),
                                 static_cast<std::uint8_t>(seq),
                                 0,
                                 0,
                                 0,
                                 1,
                                 1,
                                 2,
                                 3,
                                 4};
  p.resize(12 + payload, 0xab);
  return p;
}
std::vector<std::uint8_t> rtcp_sr() {
  // V=2 PT=200 length=6 words: SSRC, NTP (8), RTP ts, packet and octet counts.
  std::vector<std::uint8_t> p = {0x80, 200, 0, 6, 1, 2, 3, 4};
  p.resize(28, 0);
  return p;
}

std::vector<Chunk> interleaved_session() {
  std::vector<std::uint8_t> media = interleaved(0, rtp_packet(7, 100));
  const auto second = interleaved(0, rtp_packet(8, 50));
  const auto sr = interleaved(1, rtcp_sr());
  // A response and interleaved data share the server's direction (RFC 2326 §10.12).
  std::string reply = "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 42\r\n\r\n";
  std::vector<std::uint8_t> to_cl(reply.begin(), reply.end());
  to_cl.insert(to_cl.end(), media.begin(), media.end());
  to_cl.insert(to_cl.end(), sr.begin(), sr.end());
  to_cl.insert(to_cl.end(), second.begin(), second.end());
  const std::string teardown = "TEARDOWN rtsp://h/t RTSP/1.0\r\nCSeq: 5\r\nSession: 42\r\n\r\n";
  std::vector<std::uint8_t> end(teardown.begin(), teardown.end());
  return {to_server("SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 4\r\n"
                    "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"),
          to_client(to_cl), to_server(end),
          to_client("RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: 42\r\n\r\n")};
}

TEST(Rtsp, InterleavedBinaryDataIsSkippedAndCountedAsRtp) {
  ExpectingSink sink;
  run(sink, interleaved_session());
  EXPECT_THAT(sink.anomalies, IsEmpty());
  EXPECT_THAT(sink.expected, IsEmpty());  // the media stays inside this connection
  EXPECT_THAT(
      sink.events,
      ElementsAre("SETUP rtsp://h/t cseq=4 req_transport=RTP/AVP/TCP;unicast;interleaved=0-1 "
                  "-> 200 session=42",
                  "TEARDOWN rtsp://h/t cseq=5 session=42 -> 200 session=42",
                  "rtp ch=0 ssrc=16909060 pt=26 pkts=2 bytes=174 lost=0 rtcp=0",
                  "rtp ch=1 ssrc=16909060 pt=-1 pkts=0 bytes=0 lost=0 rtcp=1"));
}

TEST(Rtsp, InterleavedDataGivesTheSameEventsForEveryCut) {
  parsers::testing::expect_same_events_for_every_split(factory(), describe, interleaved_session(),
                                                       /*reply_in_between=*/false);
}

// --- Limits and malformed input ----------------------------------------------------------------

TEST(Rtsp, AnOversizedHeaderBlockIsSkippedNotBufferedAndParsingGoesOn) {
  Limits l;
  l.max_header_bytes = 256;
  const RtspParserFactory small(l);
  ExpectingSink sink;
  const std::string big = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Junk: " + std::string(600, 'j') +
                          "\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 2\r\n\r\n";
  run(sink, {to_server(big)}, small);
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.header_too_long"));
  EXPECT_THAT(sink.events, ElementsAre("OPTIONS * cseq=2 -> (no response)"));
}

TEST(Rtsp, AnOversizedBodyIsSkippedAndTheNextMessageIsParsed) {
  Limits l;
  l.max_body_bytes = 16;
  const RtspParserFactory small(l);
  ExpectingSink sink;
  run(sink,
      {to_server("ANNOUNCE rtsp://h/t RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
                 "Content-Length: 40\r\n\r\n" +
                 std::string(40, 'x') + "RECORD rtsp://h/t RTSP/1.0\r\nCSeq: 2\r\n\r\n")},
      small);
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.body_too_large"));
  EXPECT_THAT(sink.events, ElementsAre("ANNOUNCE rtsp://h/t cseq=1 -> (no response)",
                                       "RECORD rtsp://h/t cseq=2 -> (no response)"));
}

TEST(Rtsp, AnAnnouncedSdpIsParsed) {
  ExpectingSink sink;
  const std::string sdp =
      "v=0\r\nm=video 0 RTP/AVP 26\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
      "inline:c2VjcmV0\r\n";
  run(sink, {to_server("ANNOUNCE rtsp://h/t RTSP/1.0\r\nCSeq: 1\r\nContent-Type: "
                       "application/sdp\r\nContent-Length: " +
                       std::to_string(sdp.size()) + "\r\n\r\n" + sdp)});
  EXPECT_THAT(sink.events,
              ElementsAre("ANNOUNCE rtsp://h/t cseq=1 req_sdp_media=1 -> (no response)"));
}

TEST(Rtsp, SdpParsingIsBounded) {
  Limits l;
  l.max_sdp_media = 1;
  l.max_sdp_codecs = 1;
  SdpSummary out;
  EXPECT_FALSE(
      parse_sdp("m=audio 5 RTP/AVP 0 8\na=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000\n"
                "m=video 6 RTP/AVP 26\n",
                l, out));
  ASSERT_EQ(out.media.size(), 1u);
  EXPECT_EQ(out.media[0].port, 5);
  EXPECT_EQ(out.media[0].formats, "0 8");
  EXPECT_THAT(out.media[0].codecs, ElementsAre("PCMU/8000"));
}

TEST(Rtsp, TooManyUnansweredRequestsFlushTheOldest) {
  Limits l;
  l.max_pending_requests = 2;
  const RtspParserFactory small(l);
  ExpectingSink sink;
  run(sink,
      {to_server("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 2\r\n\r\n"
                 "OPTIONS * RTSP/1.0\r\nCSeq: 3\r\n\r\n"),
       to_client("RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n")},
      small);
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.too_many_pending_requests"));
  EXPECT_THAT(sink.events,
              ElementsAre("OPTIONS * cseq=1 -> (no response)", "OPTIONS * cseq=2 -> (no response)",
                          "OPTIONS * cseq=3 -> 200"));
}

// rtsp_fuzz found this (corpus/crash_older_pending_requests): a response answering the second
// of two pending requests made the parser flush the first while holding a deque iterator.
TEST(Rtsp, RequestsOlderThanTheAnsweredOneAreEmittedUnanswered) {
  ExpectingSink sink;
  run(sink, {to_server("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\nDESCRIBE rtsp://h/ RTSP/1.0\r\n"
                       "CSeq: 2\r\n\r\nPLAY rtsp://h/ RTSP/1.0\r\nCSeq: 3\r\n\r\n"),
             to_client("RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n"),
             to_client("RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n")});
  EXPECT_THAT(sink.events,
              ElementsAre("OPTIONS * cseq=1 -> (no response)", "DESCRIBE rtsp://h/ cseq=2 -> 200",
                          "PLAY rtsp://h/ cseq=3 -> 200"));
}

TEST(Rtsp, AResponseWithoutItsRequestIsReportedAlone) {
  ExpectingSink sink;
  run(sink, {to_client("RTSP/1.0 200 OK\r\nCSeq: 9\r\nServer: GStreamer RTSP server\r\n\r\n")});
  EXPECT_THAT(sink.events, ElementsAre("(no request) -> 200 server=GStreamer RTSP server"));
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.unmatched_response"));
}

TEST(Rtsp, ABadStartLineIsReportedOnceAndParsingResumesAtTheNextMessage) {
  ExpectingSink sink;
  run(sink, {to_server("HELLO there\r\nmore junk\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")});
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.malformed_start_line"));
  EXPECT_THAT(sink.events, ElementsAre("OPTIONS * cseq=1 -> (no response)"));
}

TEST(Rtsp, AGapResynchronisesOnTheNextStartLine) {
  ExpectingSink sink;
  auto parser = factory().make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  const std::string a = "OPTIONS * RTSP/1.0\r\nCSe";
  const std::string b = "ra: x\r\n\r\nDESCRIBE rtsp://h/ RTSP/1.0\r\nCSeq: 3\r\n\r\n";
  driver.deliver(*parser, sink, Direction::kToServer, as_bytes(a));
  driver.gap(*parser, Direction::kToServer, 30);
  driver.deliver(*parser, sink, Direction::kToServer, as_bytes(b));
  driver.end(*parser, Direction::kToServer);
  driver.end(*parser, Direction::kToClient);
  EXPECT_THAT(sink.anomalies, Contains("rtsp.gap"));
  EXPECT_THAT(sink.events, ElementsAre("DESCRIBE rtsp://h/ cseq=3 -> (no response)"));
}

TEST(Rtsp, AMessageCutByTheEndOfTheCaptureIsReported) {
  ExpectingSink sink;
  run(sink, {to_server("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n")});
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.truncated_at_end"));
  EXPECT_THAT(sink.events, IsEmpty());
}

TEST(Rtsp, ABadContentLengthIsAnAnomaly) {
  ExpectingSink sink;
  run(sink, {to_server("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n")});
  EXPECT_THAT(sink.anomalies, ElementsAre("rtsp.bad_content_length"));
  EXPECT_EQ(sink.events.size(), 1u);
}

TEST(Rtsp, Rtsp2RequestLinesAreParsed) {
  ExpectingSink sink;
  run(sink, {to_server("PLAY_NOTIFY rtsp://h/t RTSP/2.0\r\nCSeq: 1\r\n\r\n"),
             to_client("RTSP/2.0 200 OK\r\nCSeq: 1\r\n\r\n")});
  EXPECT_THAT(sink.events, ElementsAre("PLAY_NOTIFY rtsp://h/t cseq=1 -> 200"));
}

// Negative case: HTTP on the RTSP port is not RTSP.
TEST(Rtsp, HttpOnTheRtspPortIsNotTakenForRtsp) {
  const std::string http = "GET / HTTP/1.1\r\nHost: cam\r\n\r\n";
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(http)), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToClient, as_bytes(std::string_view("HTTP/1.1 200 OK\r\n"))),
            Probe::kNo);
  ExpectingSink sink;
  run(sink, {to_server(http), to_client("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")});
  EXPECT_THAT(sink.events, IsEmpty());
  EXPECT_EQ(sink.confirmations, 0);
}

TEST(Rtsp, TheProbeKnowsRequestsAndStatusLines) {
  const auto p = [](std::string_view s) { return probe(Direction::kToServer, as_bytes(s)); };
  EXPECT_EQ(p("OPTIONS rtsp://10.2.2.2:8554/ RTSP/1.0\r\n"), Probe::kYes);
  EXPECT_EQ(p("GET_PARAMETER rtsp://x/ RTSP/1.0"), Probe::kYes);
  EXPECT_EQ(p("OPTIONS * RTSP/1.0"), Probe::kYes);
  EXPECT_EQ(p("RTSP/1.0 200 OK\r\n"), Probe::kYes);
  EXPECT_EQ(p("RTSP/2.0 401 Unauthorized"), Probe::kYes);
  EXPECT_EQ(p("DESCR"), Probe::kMaybe);
  EXPECT_EQ(p("PLAY_NOT"), Probe::kMaybe);
  EXPECT_EQ(p("DESCRIBE rt"), Probe::kMaybe);
  EXPECT_EQ(p("RTSP/1"), Probe::kMaybe);
  EXPECT_EQ(p("OPTIONS / HTTP/1.1"), Probe::kNo);  // HTTP OPTIONS
  EXPECT_EQ(p("SSH-2.0-OpenSSH_9.2"), Probe::kNo);
  EXPECT_EQ(p("\x16\x03\x01\x02\x00"), Probe::kNo);
}

TEST(Rtsp, TransportHeadersAreParsedParameterByParameter) {
  const TransportInfo t = parse_transport(
      "RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=\"0A0B0C0D\";mode=\"PLAY\", RTP/AVP;unicast", 256);
  EXPECT_EQ(t.raw, "RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=\"0A0B0C0D\";mode=\"PLAY\"");
  EXPECT_EQ(t.profile, "RTP/AVP");
  EXPECT_EQ(t.lower, "TCP");
  EXPECT_TRUE(t.tcp());
  EXPECT_FALSE(t.srtp());
  EXPECT_EQ(range(t.interleaved), "2-3");
  EXPECT_EQ(t.ssrc, "0A0B0C0D");
  EXPECT_EQ(t.mode, "PLAY");
  const TransportInfo bad = parse_transport("RTP/AVP;client_port=99999-x", 256);
  EXPECT_EQ(bad.client_port[0], -1);
  EXPECT_EQ(bad.client_port[1], -1);
}

TEST(Rtsp, LimitsComeFromConfigurationWithinSaneBounds) {
  LimitOverrides o;
  o.set("rtsp.max_header_bytes", 1);
  o.set("rtsp.max_pending_requests", 7);
  const Limits l = limits_from(o);
  EXPECT_EQ(l.max_header_bytes, 256u);
  EXPECT_EQ(l.max_pending_requests, 7u);
  EXPECT_EQ(l.max_body_bytes, Limits{}.max_body_bytes);
}

}  // namespace
}  // namespace ward::parsers::rtsp
