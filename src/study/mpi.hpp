// A thin layer over the MPI C API (OpenMPI), so that the rest of the study
// code neither includes mpi.h nor depends on MPI being built in
// (CMake option MEMCOSIM_WITH_MPI).
//
// MPI is initialised only when this process was started by mpirun/mpiexec
// (its environment says so); a plain `memcosim sweep` is a world of one and
// never touches MPI.
#pragma once

#include <optional>
#include <string>

namespace memcosim::study {

class MpiWorld {
 public:
  // Initialises MPI when started by mpirun. Throws Error when started by
  // mpirun with several ranks but built without MPI (every rank would run
  // the whole study).
  MpiWorld();
  ~MpiWorld();  // MPI_Finalize
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  static bool compiled_in();
  // The world size mpirun announced in the environment; 0 when not started by mpirun.
  static int launched_size();

  bool active() const { return active_; }
  int rank() const { return rank_; }
  int size() const { return size_; }

  struct Message {
    int source = 0;
    int tag = 0;
    std::string payload;
  };
  void send(int to, int tag, const std::string& payload);
  // A message that has arrived, if any; never blocks.
  std::optional<Message> receive_nowait();
  // Root 0's value, on every rank (a collective call).
  int broadcast(int value);
  // Ends every rank (after a fatal error on one of them).
  [[noreturn]] void abort(int code);

 private:
  bool active_ = false;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace memcosim::study
