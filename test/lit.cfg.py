# -*- Python -*-
# lit configuration of the mlagen tests. The build writes lit.site.cfg.py,
# which sets the paths used here and then loads this file.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "mlagen"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mlagen_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "--enable-var-scope"

# Tests that compile CUDA with NVRTC need the CUDA toolkit at build time (no
# GPU); without it they are reported UNSUPPORTED (skipped by ctest).
if config.mlagen_have_cuda:
    config.available_features.add("nvrtc")

# GPU tests need a usable GPU at test time (mla-run --gpu-info says); where
# there is none they are reported UNSUPPORTED (skipped by ctest).
import subprocess
gpu_probe = subprocess.run(
    [os.path.join(config.mlagen_tools_dir, "mla-run"), "--gpu-info"],
    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
if gpu_probe.returncode == 0:
    config.available_features.add("gpu")
if config.mlagen_have_cuda:
    config.substitutions.append(("%cuda_driver_stub", config.cuda_driver_stub))
    config.substitutions.append(
        ("%mlagen_gpu_tests",
         os.path.join(config.mlagen_obj_root, "test", "mlagen-gpu-tests")))

# compute-sanitizer (the CUDA toolkit's) checks the kernels on the GPU.
sanitizer = os.path.join(config.cuda_bin_dir, "compute-sanitizer")
if config.mlagen_have_cuda and os.access(sanitizer, os.X_OK):
    config.available_features.add("compute-sanitizer")
    config.substitutions.append(("%compute-sanitizer", sanitizer))
elif "gpu" in config.available_features:
    lit_config.warning("a GPU but no compute-sanitizer at %s: the sanitizer "
                       "tests are UNSUPPORTED" % sanitizer)

config.substitutions.append(("%examples", os.path.join(config.mlagen_src_root, "examples")))
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
# The user's own tuning file must not change what a test sees: tests that
# want one set MLAGEN_TUNE_DB themselves.
config.environment["MLAGEN_TUNE_DB"] = os.path.join(config.test_exec_root,
                                                    "no-tuning-file.json")
llvm_config.use_default_substitutions()

tool_dirs = [config.mlagen_tools_dir, config.llvm_tools_dir]
# The project's tools first, then LLVM 22's (the machine's default FileCheck
# and friends may be another LLVM's).
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.mlagen_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["mla-opt", "mla-run", "mla-translate", "mla-tune", "not", "count",
     "split-file"],
    tool_dirs)
