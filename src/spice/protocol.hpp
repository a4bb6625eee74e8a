// The wire protocol between WorkerPool and its worker processes.
//
// One stream socket per worker (a socketpair: a pipe in both directions that
// can be written with MSG_NOSIGNAL, so a dead peer is an error code and not
// a SIGPIPE). Everything is a frame:
//
//   offset 0  u32  magic   0x5053434d ("MCSP" little-endian)
//          4  u16  version kProtocolVersion
//          6  u16  type    MessageType
//          8  u64  length  of the payload that follows
//
// Payload fields are written in order, little-endian: integers as fixed
// width, doubles as their IEEE bits, strings and arrays as a u64 count and
// the elements. Both ends are the same executable (fork without exec), so
// the version check guards against memory corruption and stray bytes rather
// than against an old peer; any mismatch or short payload is a ProtocolError.
//
//   parent -> worker: job, shutdown
//   worker -> parent: hello (once, after starting ngspice), log (each line of
//                     simulator output while a job runs, so that a crash
//                     still leaves its log), result (one per job)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spice/diagnostics.hpp"
#include "spice/job.hpp"
#include "spice/session.hpp"
#include "util/error.hpp"

namespace memcosim::spice::wire {

inline constexpr std::uint32_t kMagic = 0x5053434du;
inline constexpr std::uint16_t kProtocolVersion = 3;  // 2: Job::all_plots, Result::plots; 3: Result's phase times
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::uint64_t kMaxPayload = std::uint64_t{1} << 40;  // sanity bound

enum class MessageType : std::uint16_t { hello = 1, job = 2, log = 3, result = 4, shutdown = 5 };

class ProtocolError : public SimulationError {
 public:
  using SimulationError::SimulationError;
};

struct Frame {
  MessageType type = MessageType::hello;
  std::string payload;
};

struct Hello {
  int pid = 0;
  bool ok = false;
  std::string error;  // why the worker could not start ngspice (if !ok)
  SimulatorInfo info;
};

struct LogLine {
  std::uint64_t job_id = 0;
  OutputLine line;
};

// Frame = header + payload.
std::string encode_frame(MessageType type, std::string_view payload);
// The frame at the front of `buffer`: nullopt until it is complete; throws
// ProtocolError on a bad header. `consumed` is set to the frame's size.
std::optional<Frame> take_frame(std::string_view buffer, std::size_t& consumed);

std::string encode(const Job& job);
std::string encode(const Result& result, bool worker_exiting);
std::string encode(const Hello& hello);
std::string encode(const LogLine& line);
Job decode_job(std::string_view payload);
Result decode_result(std::string_view payload, bool& worker_exiting);
Hello decode_hello(std::string_view payload);
LogLine decode_log(std::string_view payload);

// Blocking I/O on a socket, robust to partial transfers and EINTR.
// read_frame returns false on end of stream before a frame starts and
// throws ProtocolError if the stream ends inside one.
bool read_frame(int fd, Frame& frame);
void write_frame(int fd, MessageType type, std::string_view payload);

}  // namespace memcosim::spice::wire
