#include "study/mpi.hpp"

#include <cstdlib>

#include "util/error.hpp"

#ifdef MEMCOSIM_WITH_MPI
#include <mpi.h>
#endif

namespace memcosim::study {

int MpiWorld::launched_size() {
  // OpenMPI's mpirun, then the PMI variables of MPICH-style launchers.
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const char* v = std::getenv(var)) return std::atoi(v);
  if (std::getenv("PMIX_RANK")) return 1;
  return 0;
}

#ifdef MEMCOSIM_WITH_MPI

namespace {
void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(std::string("MPI: ") + what + ": " + std::string(text, static_cast<std::size_t>(len)));
}
}  // namespace

bool MpiWorld::compiled_in() { return true; }

MpiWorld::MpiWorld() {
  if (launched_size() == 0) return;
  check(MPI_Init(nullptr, nullptr), "MPI_Init");
  // Errors come back as return codes (checked), not as an abort inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  active_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiWorld::~MpiWorld() {
  if (active_) MPI_Finalize();
}

void MpiWorld::send(int to, int tag, const std::string& payload) {
  check(MPI_Send(payload.data(), static_cast<int>(payload.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD), "MPI_Send");
}

std::optional<MpiWorld::Message> MpiWorld::receive_nowait() {
  int flag = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
  if (!flag) return std::nullopt;
  int count = 0;
  check(MPI_Get_count(&status, MPI_CHAR, &count), "MPI_Get_count");
  Message m;
  m.source = status.MPI_SOURCE;
  m.tag = status.MPI_TAG;
  m.payload.resize(static_cast<std::size_t>(count));
  check(
      MPI_Recv(m.payload.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
      "MPI_Recv");
  return m;
}

int MpiWorld::broadcast(int value) {
  if (!active_) return value;
  check(MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return value;
}

void MpiWorld::abort(int code) {
  if (active_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

#else  // built without MPI

bool MpiWorld::compiled_in() { return false; }

MpiWorld::MpiWorld() {
  if (launched_size() > 1)
    throw Error("this memcosim was built without MPI (CMake option MEMCOSIM_WITH_MPI=OFF) but mpirun started " +
                std::to_string(launched_size()) + " ranks; each would run the whole study. Rebuild with MPI or use -j");
}

MpiWorld::~MpiWorld() = default;

void MpiWorld::send(int, int, const std::string&) { throw Error("MPI is not built in"); }
std::optional<MpiWorld::Message> MpiWorld::receive_nowait() { return std::nullopt; }
int MpiWorld::broadcast(int value) { return value; }
void MpiWorld::abort(int code) { std::exit(code); }

#endif

}  // namespace memcosim::study
