#!/usr/bin/env bash
# Packs the TinyBeauty packages into artifacts/packages, then builds and runs this sample against them.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

rm -rf artifacts/packages samples/PackageConsumer/obj/packages/tinybeauty.*
dotnet pack TinyBeauty.Libraries.sln -c Release -o artifacts/packages --nologo -v quiet
dotnet run --project samples/PackageConsumer -c Release
