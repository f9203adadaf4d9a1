{
  "targets": [
    {
      "target_name": "rnn_kernels",
      "sources": ["src/addon.cc", "src/kernels_generic.cc", "src/kernels_avx2.cc", "src/kernels_avx512.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/O2", "/std:c++17"] } },
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
