{
  "targets": [
    {
      "target_name": "cnn_native",
      "sources": [
        "src/bindings.cc",
        "src/compute.cc",
        "src/data.cc",
        "src/errors.cc",
        "src/graph.cc",
        "src/io.cc",
        "src/json.cc",
        "src/optim.cc",
        "src/runtime.cc",
        "src/train.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node ../scripts/libtorch.mjs include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NAPI_CPP_EXCEPTIONS",
        "<!@(node ../scripts/libtorch.mjs defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "ldflags": ["<!@(node ../scripts/libtorch.mjs libs)"],
      "libraries": ["<!@(node ../scripts/libtorch.mjs libs)"]
    },
    {
      "target_name": "cnn_decode",
      "sources": ["src/decode.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-Wno-unused-parameter"],
      "libraries": ["-ljpeg", "-lz"]
    }
  ]
}
