// Google Benchmark micro-benchmarks:
//   BM_IdleFlowMemory  bytes of resident memory per tracked idle flow (1M UDP flows)
//   BM_MqttParse       MQTT parser throughput on a PUBLISH stream (QoS 0, 200-byte payloads)
//   BM_Hl7Parse        HL7/MLLP parser throughput on a stream of PCD-01 ORU^R01 messages
// Figures are for comparison between commits on the same machine, not assertions.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "decode/decoder.h"
#include "decode/testing/frame_builder.h"
#include "flow/flow_table.h"
#include "parsers/registry.h"
#include "parsers/stream_driver.h"

namespace {

using namespace ward;

std::uint64_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t pages = 0;
  std::uint64_t resident = 0;
  in >> pages >> resident;
  return resident * 4096;
}

// NOLINTNEXTLINE(readability-identifier-naming): reported benchmark name, Google's BM_ style.
void BM_IdleFlowMemory(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  for (auto _ : state) {
    bus::EventBus bus;
    flow::Config cfg;
    cfg.max_flows = n + 1;
    flow::FlowTable table(cfg, bus, {});
    decode::Packet p;
    p.l3 = decode::L3::kIpv4;
    p.proto = bus::Transport::kUdp;
    p.dst = IpAddr::v4(0x0a000001);
    p.dst_port = 53;
    p.ip_bytes = 60;
    const std::uint64_t before = rss_bytes();
    for (std::uint32_t i = 0; i < n; ++i) {
      p.ts = 1'000 * kNsPerSec + i;
      p.src = IpAddr::v4(0x0b000000 + i);
      p.src_port = static_cast<std::uint16_t>(1024 + (i % 60000));
      table.process(p);
    }
    const std::uint64_t after = rss_bytes();
    state.counters["bytes_per_idle_flow"] = static_cast<double>(after - before) / n;
    state.counters["estimate_bytes_per_flow"] =
        static_cast<double>(flow::FlowTable::bytes_per_idle_flow());
  }
}
BENCHMARK(BM_IdleFlowMemory)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

class NullSink : public parsers::EventSink {
 public:
  void emit(const bus::Event&) override { ++events; }
  void anomaly(std::string_view, std::string_view) override {}
  void confirm_protocol() override {}
  [[nodiscard]] TimeNs packet_time() const override { return 0; }
  std::uint64_t events = 0;
};

void run_parser(benchmark::State& state, std::string_view name, const std::string& unit,
                int copies) {
  std::string stream;
  for (int i = 0; i < copies; ++i) stream += unit;
  const parsers::ParserSpec* spec = parsers::find_parser(name);
  auto factory = spec->configure(parsers::LimitOverrides{});
  const ByteView bytes = as_bytes(stream);
  std::uint64_t events = 0;
  for (auto _ : state) {
    NullSink sink;
    auto parser = factory->make(sink);
    parsers::StreamDriver driver({});
    // Deliver in 1460-byte segments, as TCP would.
    for (std::size_t off = 0; off < bytes.size(); off += 1460)
      driver.deliver(*parser, sink, bus::Direction::kToServer,
                     bytes.subspan(off, std::min<std::size_t>(1460, bytes.size() - off)));
    driver.end(*parser, bus::Direction::kToServer);
    events += sink.events;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
  state.counters["events"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}

// NOLINTNEXTLINE(readability-identifier-naming): reported benchmark name, Google's BM_ style.
void BM_MqttParse(benchmark::State& state) {
  std::string connect(
      "\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04"
      "bench",
      18);
  std::string topic = "ward/icu/monitor/telemetry";
  std::string payload(200, 'x');
  std::string body;
  body += static_cast<char>(topic.size() >> 8);
  body += static_cast<char>(topic.size() & 0xff);
  body += topic + payload;
  std::string publish = "\x30";
  publish += static_cast<char>(0x80 | (body.size() & 0x7f));
  publish += static_cast<char>(body.size() >> 7);
  publish += body;
  std::string stream = connect;
  for (int i = 0; i < 2000; ++i) stream += publish;
  run_parser(state, "mqtt", stream, 1);
}
BENCHMARK(BM_MqttParse);

// NOLINTNEXTLINE(readability-identifier-naming): reported benchmark name, Google's BM_ style.
void BM_Hl7Parse(benchmark::State& state) {
  const std::string msg =
      "\x0bMSH|^~\\&|PUMP0021^0012AB0000000021^EUI-64|ICU|EHR|ICU|20261129101500||ORU^R01^ORU_R01|"
      "MSG0001|P|2.6\r"
      "PID|||MRN-00417^^^DEMOHOSP^MR||Testpatient^Alice||19470312|F\rPV1||I|ICU^BED07^1\r"
      "OBR|1|MSG0001||69985^MDC_DEV_PUMP_INFUS_MDS^MDC|||20261129101500\r"
      "OBX|1||70049^MDC_DEV_PUMP_INFUS_LVP_MDS^MDC|1.0.0.0|||||||X|||||||0012AB0000000021^^"
      "0012AB0000000021^EUI-64\r"
      "OBX|2|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.2|25|265266^MDC_DIM_MILLI_L_PER_HR^MDC|||||R\r"
      "OBX|3|NM|157872^MDC_VOL_FLUID_TBI_REMAIN^MDC|1.1.1.3|210|263762^MDC_DIM_MILLI_L^MDC|||||"
      "R\r\x1c\r";
  run_parser(state, "hl7", msg, 1000);
}
BENCHMARK(BM_Hl7Parse);

}  // namespace

BENCHMARK_MAIN();
