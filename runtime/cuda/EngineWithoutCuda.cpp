//===- EngineWithoutCuda.cpp - the host API in a build with no CUDA -------===//
//
// Built instead of Engine.cpp where CMake found no CUDA toolkit: programs
// using the API still build and link, and Engine::create says why there is
// no GPU back end (they run the CPU path instead).
//
//===----------------------------------------------------------------------===//

#include "mlagen/Engine.h"

#include "llvm/Support/ErrorHandling.h"

using namespace mlagen;

namespace {
llvm::Error noCuda() {
  return llvm::createStringError("this build of mlagen has no CUDA toolkit: "
                                 "no GPU back end");
}
} // namespace

struct GpuPagedCache::State {};
struct Engine::State {
  EngineOptions options;
  GpuInfo gpu;
};

GpuPagedCache::GpuPagedCache(std::unique_ptr<State> state)
    : state(std::move(state)) {}
GpuPagedCache::~GpuPagedCache() = default;
Engine::Engine(std::unique_ptr<State> state) : state(std::move(state)) {}
Engine::~Engine() = default;

llvm::Expected<std::unique_ptr<Engine>>
Engine::create(const EngineOptions &options) {
  if (llvm::Error e = checkOptions(options))
    return std::move(e);
  return noCuda();
}

// No Engine or GpuPagedCache can exist in this build; these are never
// reached.
llvm::Expected<std::unique_ptr<GpuPagedCache>>
Engine::allocateCache(int64_t, int64_t, int64_t) {
  return noCuda();
}
llvm::Error Engine::append(GpuPagedCache &, const AppendBuffers &, GpuStream) {
  return noCuda();
}
llvm::Error Engine::append(const CacheTensors &, const AppendBuffers &,
                           GpuStream) {
  return noCuda();
}
llvm::Error Engine::decode(const CacheTensors &, const DecodeBuffers &,
                           GpuStream) {
  return noCuda();
}
llvm::Error Engine::decode(const GpuPagedCache &, const DecodeBuffers &,
                           GpuStream) {
  return noCuda();
}
PageTable &GpuPagedCache::table() {
  llvm_unreachable("no GpuPagedCache exists without CUDA");
}
const PageTable &GpuPagedCache::table() const {
  llvm_unreachable("no GpuPagedCache exists without CUDA");
}
llvm::Error GpuPagedCache::upload(int64_t) { return noCuda(); }
bool GpuPagedCache::uploaded() const { return false; }
llvm::Error GpuPagedCache::writeRows(int64_t, int64_t, int64_t, const void *) {
  return noCuda();
}
DevicePtr GpuPagedCache::rows() const { return 0; }
llvm::Error Engine::prefill(const PrefillBuffers &, GpuStream) {
  return noCuda();
}
const GpuInfo &Engine::gpu() const { return state->gpu; }
const EngineOptions &Engine::options() const { return state->options; }
const DecodeCut &Engine::cut() const {
  static const DecodeCut none;
  return none;
}
int64_t Engine::workspaceBytes(int64_t) const { return 0; }
